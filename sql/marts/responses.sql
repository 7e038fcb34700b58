-- One row per response clock (a run of items by one author that one answer closes).
with response_sla as (

    select * from stg_response_sla

),

accounts as (

    select * from stg_accounts

),

schools as (

    select * from stg_schools

),

clock_sizes as (

    select
        clock_item_id,
        count(*) as item_count

    from response_sla
    group by clock_item_id

),

final as (

    select
        response_sla.clock_item_id,
        response_sla.school_id,
        response_sla.account_id,
        response_sla.response_item_id,
        schools.school_key,
        accounts.platform,
        response_sla.sla_status,
        clock_sizes.item_count,
        response_sla.response_seconds,
        response_sla.response_seconds / 3600.0 as response_hours,
        response_sla.responded_at is not null as is_responded,
        response_sla.is_responded_manually,
        response_sla.sla_status = 'met' as is_met,
        response_sla.sla_status in ('breached', 'open_breached') as is_breached,
        response_sla.sla_status in ('open', 'at_risk', 'open_breached') as is_open,
        response_sla.week_start,
        response_sla.received_at,
        response_sla.due_at,
        response_sla.responded_at,
        response_sla.computed_at

    from response_sla
    inner join clock_sizes on clock_sizes.clock_item_id = response_sla.clock_item_id
    inner join accounts on accounts.account_id = response_sla.account_id
    inner join schools on schools.school_id = response_sla.school_id
    where response_sla.is_clock_start = true

)

select * from final
