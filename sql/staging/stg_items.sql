-- Deliberately leaves out author_key, text, url and raw: dashboards need none of them.
with source as (

    select * from items

),

renamed as (

    select
        item_id,
        school_id,
        account_id,
        platform,
        external_id as platform_item_id,
        thread_root_external_id as platform_thread_id,
        kind as item_kind,
        stream,
        is_from_school,
        is_deleted,
        created_at

    from source

)

select * from renamed
