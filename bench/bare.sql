-- The same tables with no rules at all, for the benchmark: schema bare.
CREATE SCHEMA bare;
CREATE TABLE bare.manager (LIKE ref.manager INCLUDING ALL);
CREATE TABLE bare.settings (LIKE ref.settings INCLUDING ALL);
INSERT INTO bare.settings VALUES (90);
CREATE TABLE bare.client (LIKE ref.client INCLUDING ALL);
CREATE SEQUENCE bare.client_id_seq OWNED BY bare.client.id;
ALTER TABLE bare.client ALTER COLUMN id SET DEFAULT nextval('bare.client_id_seq');

CREATE VIEW bare.worklist AS
SELECT m.id AS manager_id, m.name,
       count(c.id) AS in_work,
       coalesce(m.worklist_cap, s.default_worklist_cap) AS cap
FROM bare.manager AS m
CROSS JOIN bare.settings AS s
LEFT JOIN bare.client AS c ON c.manager_id = m.id AND c.state <= 'contact_3'
GROUP BY m.id, s.default_worklist_cap;

CREATE VIEW bare.pipeline AS
SELECT state, count(*) AS clients, round(count(*)::numeric / sum(count(*)) OVER (), 4) AS share
FROM bare.client GROUP BY state;
