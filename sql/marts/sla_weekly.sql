-- One row per grain (account, school or platform) and local week: compliance with the
-- 24-hour rule, median and 90th-percentile response time (nearest rank, over answered
-- clocks), and open breaches. Compliance counts only clocks whose outcome is known:
-- met / (met + answered late + open and late). Clocks still inside their time are left out.
with clocks as (

    select * from responses

),

by_grain as (

    select
        'account' as grain,
        school_id,
        account_id,
        platform,
        sla_status,
        response_seconds,
        week_start
    from clocks

    union all

    select
        'school' as grain,
        school_id,
        null as account_id,
        null as platform,
        sla_status,
        response_seconds,
        week_start
    from clocks

    union all

    select
        'platform' as grain,
        null as school_id,
        null as account_id,
        platform,
        sla_status,
        response_seconds,
        week_start
    from clocks

),

ranked as (

    select
        by_grain.*,
        case when response_seconds is not null then 1 else 0 end as is_answered,
        row_number() over (
            partition by
                grain,
                school_id,
                account_id,
                platform,
                week_start,
                case when response_seconds is not null then 1 else 0 end
            order by response_seconds
        ) as answered_rank,
        sum(case when response_seconds is not null then 1 else 0 end) over (
            partition by grain, school_id, account_id, platform, week_start
        ) as answered_count

    from by_grain

),

aggregated as (

    select
        grain,
        school_id,
        account_id,
        platform,
        week_start,
        count(*) as clock_count,
        sum(is_answered) as answered_count,
        sum(case when sla_status = 'met' then 1 else 0 end) as met_count,
        sum(case when sla_status = 'breached' then 1 else 0 end) as answered_late_count,
        sum(case when sla_status = 'open_breached' then 1 else 0 end) as open_breach_count,
        sum(case when sla_status = 'at_risk' then 1 else 0 end) as at_risk_count,
        sum(case when sla_status = 'open' then 1 else 0 end) as open_count,
        max(
            case
                when is_answered = 1 and answered_rank = (answered_count + 1) / 2
                    then response_seconds
            end
        ) as median_response_seconds,
        max(
            case
                when is_answered = 1 and answered_rank = (9 * answered_count + 9) / 10
                    then response_seconds
            end
        ) as p90_response_seconds

    from ranked
    group by grain, school_id, account_id, platform, week_start

),

final as (

    select
        aggregated.grain,
        aggregated.school_id,
        aggregated.account_id,
        aggregated.platform,
        aggregated.week_start,
        aggregated.clock_count,
        aggregated.answered_count,
        aggregated.met_count,
        aggregated.answered_late_count,
        aggregated.open_breach_count,
        aggregated.at_risk_count,
        aggregated.open_count,
        case
            when aggregated.met_count + aggregated.answered_late_count
                + aggregated.open_breach_count > 0
                then cast(aggregated.met_count as double precision) / (
                    aggregated.met_count + aggregated.answered_late_count
                    + aggregated.open_breach_count
                )
        end as compliance_rate,
        aggregated.median_response_seconds,
        aggregated.p90_response_seconds,
        aggregated.median_response_seconds / 3600.0 as median_response_hours,
        aggregated.p90_response_seconds / 3600.0 as p90_response_hours

    from aggregated

)

select * from final
