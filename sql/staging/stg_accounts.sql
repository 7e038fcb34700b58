with source as (

    select * from accounts

),

renamed as (

    select
        account_id,
        school_id,
        platform,
        handle as account_handle,
        visibility as account_visibility,
        is_active

    from source

)

select * from renamed
