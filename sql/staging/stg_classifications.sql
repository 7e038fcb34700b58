with source as (

    select * from classifications

),

renamed as (

    select
        classification_id,
        item_id,
        label,
        model_version,
        score,
        is_above_threshold,
        classified_at

    from source

)

select * from renamed
