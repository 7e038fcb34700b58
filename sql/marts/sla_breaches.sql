-- One row per response clock that missed its due time, answered late or still open.
with clocks as (

    select * from responses

),

final as (

    select
        clock_item_id,
        school_id,
        account_id,
        response_item_id,
        school_key,
        platform,
        sla_status,
        item_count,
        response_seconds,
        response_hours,
        sla_status = 'open_breached' as is_open_breach,
        week_start,
        received_at,
        due_at,
        responded_at

    from clocks
    where is_breached = true

)

select * from final
