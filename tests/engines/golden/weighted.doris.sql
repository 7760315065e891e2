SELECT
  `t0`.`地区` AS `__region`,
  `t0`.`年份` AS `year`,
  `t0`.`渠道` AS `__channel`,
  COUNT(*) AS `__n`,
  SUM(CAST(`t0`.`权重` AS DOUBLE)) AS `__wsum`,
  SUM(CAST(`t0`.`权重` AS DOUBLE) * CAST(`t0`.`权重` AS DOUBLE)) AS `__w2`,
  COUNT(*) - COUNT(CAST(`t0`.`权重` AS DOUBLE)) AS `__wnull`,
  MIN(CAST(`t0`.`权重` AS DOUBLE)) AS `__wmin`
FROM `ods`.`service_log` AS `t0`
GROUP BY
  1,
  2,
  3
