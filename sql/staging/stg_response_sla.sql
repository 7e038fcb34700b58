-- The manual mark's author and note stay behind: only the fact that it was manual is kept.
with source as (

    select * from response_sla

),

renamed as (

    select
        item_id,
        clock_item_id,
        school_id,
        account_id,
        response_item_id,
        status as sla_status,
        response_seconds,
        responded_manually_by is not null as is_responded_manually,
        item_id = clock_item_id as is_clock_start,
        week_start,
        received_at,
        due_at,
        responded_at,
        computed_at

    from source

)

select * from renamed
