with source as (

    select * from schools

),

renamed as (

    select
        school_id,
        school_key,
        name as school_name,
        is_active

    from source

)

select * from renamed
