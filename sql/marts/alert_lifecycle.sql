-- One row per alert, with when it was first acknowledged and closed.
with alerts as (

    select * from stg_alerts

),

alert_events as (

    select * from stg_alert_events

),

items as (

    select * from stg_items

),

schools as (

    select * from stg_schools

),

milestones as (

    select
        alert_id,
        min(case when to_status = 'acknowledged' then event_at end) as acknowledged_at,
        max(case when to_status in ('resolved', 'dismissed') then event_at end) as closed_at,
        sum(case when event_type = 'escalated' then 1 else 0 end) as escalation_count

    from alert_events
    group by alert_id

),

final as (

    select
        alerts.alert_id,
        alerts.item_id,
        alerts.school_id,
        schools.school_key,
        items.platform,
        alerts.alert_type,
        alerts.severity,
        alerts.alert_status,
        alerts.score,
        alerts.model_version,
        coalesce(milestones.escalation_count, 0) as escalation_count,
        alerts.alert_status in ('open', 'acknowledged') as is_open,
        alerts.is_assigned,
        alerts.created_at,
        milestones.acknowledged_at,
        milestones.closed_at,
        alerts.updated_at

    from alerts
    inner join items on items.item_id = alerts.item_id
    left join schools on schools.school_id = alerts.school_id
    left join milestones on milestones.alert_id = alerts.alert_id

)

select * from final
