with source as (

    select * from alerts

),

renamed as (

    select
        alert_id,
        item_id,
        school_id,
        dedupe_key,
        alert_type,
        severity,
        status as alert_status,
        score,
        model_version,
        assigned_to is not null as is_assigned,
        created_at,
        updated_at

    from source

)

select * from renamed
