-- Run once by the postgres image on a new volume (docker-compose.yml):
-- Closeloop's archive and mail ledger get their own role and database,
-- next to Temporal's (which auto-setup creates).
CREATE ROLE closeloop LOGIN PASSWORD 'closeloop';
CREATE DATABASE closeloop OWNER closeloop;
