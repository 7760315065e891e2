SELECT
  "t0"."地区" AS "__region",
  "t0"."年份" AS "year",
  "t0"."渠道" AS "__channel",
  COUNT(*) AS "__n",
  SUM(TRY_CAST("t0"."权重" AS DOUBLE)) AS "__wsum",
  SUM(TRY_CAST("t0"."权重" AS DOUBLE) * TRY_CAST("t0"."权重" AS DOUBLE)) AS "__w2",
  COUNT(*) - COUNT(TRY_CAST("t0"."权重" AS DOUBLE)) AS "__wnull",
  MIN(TRY_CAST("t0"."权重" AS DOUBLE)) AS "__wmin"
FROM "ods"."service_log" AS "t0"
GROUP BY
  1,
  2,
  3
