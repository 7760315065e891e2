SELECT
  `t0`.`地区` AS `__region`,
  `t0`.`办结` AS `__status`,
  COUNT(*) AS `__n`
FROM `ods`.`service_log` AS `t0`
GROUP BY
  1,
  2
