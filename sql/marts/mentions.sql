-- One row per item not written by a school account: comments, replies, mentions, visitor
-- posts, reviews and DMs. No author, no text: counts and flags for dashboards only.
with items as (

    select * from stg_items

),

schools as (

    select * from stg_schools

),

classifications as (

    select * from stg_classifications

),

response_sla as (

    select * from stg_response_sla

),

flagged as (

    select
        item_id,
        count(distinct label) as flagged_label_count

    from classifications
    where is_above_threshold = true
    group by item_id

),

final as (

    select
        items.item_id,
        items.school_id,
        items.account_id,
        schools.school_key,
        items.platform,
        items.item_kind,
        coalesce(flagged.flagged_label_count, 0) as flagged_label_count,
        items.account_id is null as is_public_mention,
        response_sla.item_id is not null as is_response_needed,
        flagged.item_id is not null as is_flagged,
        items.is_deleted,
        items.created_at

    from items
    left join schools on schools.school_id = items.school_id
    left join flagged on flagged.item_id = items.item_id
    left join response_sla on response_sla.item_id = items.item_id
    where items.is_from_school = false

)

select * from final
