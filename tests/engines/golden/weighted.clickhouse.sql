SELECT
  "t0"."地区" AS "__region",
  "t0"."年份" AS "year",
  "t0"."渠道" AS "__channel",
  COUNT(*) AS "__n",
  SUM(accurateCastOrNull("t0"."权重", 'Nullable(Float64)')) AS "__wsum",
  SUM(
    accurateCastOrNull("t0"."权重", 'Nullable(Float64)') * accurateCastOrNull("t0"."权重", 'Nullable(Float64)')
  ) AS "__w2",
  COUNT(*) - COUNT(accurateCastOrNull("t0"."权重", 'Nullable(Float64)')) AS "__wnull",
  MIN(accurateCastOrNull("t0"."权重", 'Nullable(Float64)')) AS "__wmin"
FROM "ods"."service_log" AS "t0"
GROUP BY
  "t0"."地区",
  "t0"."年份",
  "t0"."渠道"
