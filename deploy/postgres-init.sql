-- One database per service: each service owns its projections (run once, on first start).
CREATE DATABASE jasa_intake OWNER jasa;
CREATE DATABASE jasa_approval OWNER jasa;
CREATE DATABASE jasa_courier OWNER jasa;
CREATE DATABASE jasa_reporting OWNER jasa;
