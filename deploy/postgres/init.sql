-- One database per service. Run once by the postgres image on an empty data directory
-- (mounted into /docker-entrypoint-initdb.d/); each service applies its own migrations.
CREATE DATABASE kummerer_retailer;
CREATE DATABASE kummerer_manufacturer;
CREATE DATABASE kummerer_logistics;
