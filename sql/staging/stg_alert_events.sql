with source as (

    select * from alert_events

),

renamed as (

    select
        alert_event_id,
        alert_id,
        event as event_type,
        from_status,
        to_status,
        from_severity,
        to_severity,
        at as event_at

    from source

)

select * from renamed
