-- A client's size from the size rules (issue 13, item 1): an INSERT without
-- a size takes the size the rules give, a given size is kept, classify()
-- previews, reclassify() re-applies the rules to the derived sizes.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-06-01 09:00+00';

-- Installed empty, every category in profile: nothing changes for a
-- department that types sizes by hand.
SELECT count(*) AS size_rules FROM salesalgo.size_rule;
INSERT INTO salesalgo.category (id, name) VALUES
    (2001, 'sizes: production'), (2002, 'sizes: retail'), (2003, 'sizes: government');
SELECT id, name, in_profile FROM salesalgo.category WHERE id BETWEEN 2001 AND 2003 ORDER BY id;
SELECT salesalgo.classify('{"employees": 500}') AS no_rules;
SELECT code, message, hint, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name) VALUES (20001, 'Oak')$$);

-- A condition must be a predicate; one that is not, or does not parse, is
-- refused when the rule is written, not at the first client it meets.
SELECT code, message, detail, hint, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$.revenue')$$);
SELECT code, message, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$ ? (@.revenue > 5)')$$);
SELECT code, message, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '($.a == 1).type()')$$);
SELECT code, message
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$.revenue >=')$$);
-- A variable has no value when a client is judged, and .datetime() depends
-- on the session's time zone: both are refused anywhere in the condition,
-- not only at its top, and by an UPDATE as by an INSERT.
SELECT code, message, detail, hint, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$.revenue >= $min')$$);
SELECT code, message, detail, hint, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$.founded.datetime() < "2000-01-01".datetime()')$$);
SELECT code, message, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$.employees > 5 && exists($.offices[*] ? (@.city == $city))')$$);
SELECT code, message, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '!($.branches[1 to $last].size() > 3)')$$);
SELECT code, message, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '$.name like_regex "^A" || $.since.datetime("YYYY") starts with "19"')$$);
SELECT code, message, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', '-$.loss.datetime().type() == "date"')$$);
SELECT code, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES (NULL, '$.a > 1')$$);
SELECT code, column_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('small', NULL)$$);
SELECT code, constraint_name
FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, category_id, condition) VALUES ('small', 2999, 'true')$$);
SELECT count(*) AS size_rules FROM salesalgo.size_rule;

-- The department's rules: for any category, and for retail, whose shops
-- are medium from 20 employees.  Government is out of profile.
INSERT INTO salesalgo.size_rule (id, size, category_id, condition) VALUES
    (1, 'large', NULL, '$.revenue >= 500000000 || $.employees >= 250'),
    (2, 'medium', NULL, '$.revenue >= 100000000 || $.employees >= 50'),
    (3, 'small', NULL, '$.employees >= 5'),
    (4, 'nonprofile', NULL, '$.employees < 2'),
    (5, 'medium', 2002, '$.employees >= 20');
UPDATE salesalgo.category SET in_profile = false WHERE id = 2003;
-- a rule becomes a predicate, or stays what it was
SELECT code, column_name
FROM regress.error_of($$UPDATE salesalgo.size_rule SET condition = '$.employees' WHERE id = 3$$);
SELECT code, message, column_name
FROM regress.error_of($$UPDATE salesalgo.size_rule SET condition = '$.employees >= $n' WHERE id = 3$$);
SELECT id, size, category_id, condition FROM salesalgo.size_rule ORDER BY id;

-- classify(): the larger size first, the category's rules before the
-- others, out of profile whatever the attributes, NULL when nothing matches.
SELECT a.attributes, a.category_id, salesalgo.classify(a.attributes, a.category_id)
FROM (VALUES ('{"revenue": 600000000, "employees": 10}'::jsonb, NULL::bigint),
             ('{"employees": 60}', NULL),
             ('{"employees": 60}', 2001),
             ('{"employees": 7}', NULL),
             ('{"employees": 1}', NULL),
             ('{"employees": 3}', NULL),
             ('{}', NULL),
             ('{"employees": "many"}', NULL),
             ('{"employees": 300}', 2002),
             ('{"employees": 10, "revenue": 700000000}', 2002),
             ('{"employees": 3000}', 2003),
             (NULL, 2003),
             (NULL, NULL)) AS a(attributes, category_id);

-- An INSERT without a size, or with NULL, takes the rules' size; a given
-- size is kept; the history says which.
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (2001, 'Vera', 10), (2002, 'Gleb', 10);
INSERT INTO salesalgo.client (id, name, category_id, attributes) VALUES
    (20001, 'Oak', 2001, '{"revenue": 900000000, "employees": 1200}'),
    (20002, 'Elm', NULL, '{"employees": 60}'),
    (20003, 'Ash', 2002, '{"employees": 25}'),
    (20004, 'Fir', 2001, '{"employees": 8}');
INSERT INTO salesalgo.client (id, name, size, manager_id, attributes) VALUES
    (20005, 'Yew', NULL, 2001, '{"employees": 9}'),
    (20006, 'Lime', 'large', 2001, '{"employees": 9}');
INSERT INTO salesalgo.client (id, name, category_id, attributes) VALUES
    (20007, 'Ministry', 2003, '{"employees": 3000}');
SELECT id, name, size, size_derived, state, manager_id, deadline_at
FROM salesalgo.client WHERE id BETWEEN 20001 AND 20099 ORDER BY id;
SELECT client_id, from_state, to_state, from_size, to_size, size_derived, source
FROM salesalgo.client_history WHERE client_id BETWEEN 20001 AND 20099 ORDER BY id;

-- the deadline follows the derived size (deadline_rule: small 14 days)
SELECT id, size, deadline_at - work_started_at AS days FROM salesalgo.client WHERE id = 20005;

-- INSERT ... SELECT: every row judged, from the same rules
INSERT INTO salesalgo.client (id, name, attributes)
SELECT 20010 + g, 'Bulk ' || g, jsonb_build_object('employees', g * 100)
FROM generate_series(1, 3) AS g;
SELECT id, size, size_derived FROM salesalgo.client WHERE id BETWEEN 20011 AND 20013 ORDER BY id;

-- No rule matches and the category is in profile: 23502 on size, with a
-- HINT naming size_rule; nothing changed.
SELECT regress.fingerprint() AS before \gset
SELECT code, message, detail, hint, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, category_id, attributes)
                        VALUES (20020, 'Pine', 2001, '{"employees": 3}')$$);
SELECT code, detail, column_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, attributes)
                        SELECT 20020 + g, 'Pine', jsonb_build_object('employees', g)
                        FROM generate_series(4, 6) AS g$$);
-- derived nonprofile with a manager is R5's refusal
SELECT code, constraint_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, manager_id, attributes)
                        VALUES (20021, 'Solo', 2001, '{"employees": 1}')$$);
SELECT code, constraint_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, category_id, manager_id)
                        VALUES (20022, 'Embassy', 2003, 2001)$$);
-- size_derived is kept by salesalgo
SELECT code, message, hint, column_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, size, size_derived)
                        VALUES (20023, 'Liar', 'large', true)$$);
SELECT code, column_name
FROM regress.error_of($$UPDATE salesalgo.client SET size_derived = false WHERE id = 20002$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

-- A size set by hand is the department's judgement from then on; setting
-- it to NULL hands it back to the rules.  Both are history.
UPDATE salesalgo.client SET size = 'large' WHERE id = 20002;
SELECT id, size, size_derived FROM salesalgo.client WHERE id = 20002;
UPDATE salesalgo.client SET size = NULL WHERE id = 20002;
SELECT id, size, size_derived FROM salesalgo.client WHERE id = 20002;
-- A change of attributes or category of a derived client derives its size
-- again in the same UPDATE, from the rules an insert asks; out of profile is
-- nonprofile; a size given by hand stays the department's.
UPDATE salesalgo.client SET attributes = '{"employees": 400}' WHERE id = 20002;
UPDATE salesalgo.client SET category_id = NULL WHERE id = 20003;
SELECT id, size, size_derived FROM salesalgo.client WHERE id IN (20002, 20003) ORDER BY id;
UPDATE salesalgo.client SET category_id = 2003 WHERE id = 20003;
SELECT id, size, size_derived FROM salesalgo.client WHERE id = 20003;
UPDATE salesalgo.client SET category_id = 2002 WHERE id = 20003;
SELECT id, size, size_derived FROM salesalgo.client WHERE id = 20003;
UPDATE salesalgo.client SET attributes = '{"employees": 1}', category_id = 2003 WHERE id = 20006;
SELECT id, size, size_derived FROM salesalgo.client WHERE id = 20006;
UPDATE salesalgo.client SET attributes = '{"employees": 9}', category_id = NULL WHERE id = 20006;
-- Yew is in Vera's worklist: the UPDATE that would make its derived size
-- nonprofile is R5's refusal, and one that leaves it without a size is the
-- insert's 23502; nothing changed.
SELECT regress.fingerprint() AS before \gset
SELECT code, message, constraint_name
FROM regress.error_of($$UPDATE salesalgo.client SET category_id = 2003 WHERE id = 20005$$);
SELECT code, constraint_name
FROM regress.error_of($$UPDATE salesalgo.client SET attributes = '{"employees": 1}' WHERE id = 20005$$);
SELECT code, detail, column_name
FROM regress.error_of($$UPDATE salesalgo.client SET attributes = '{}' WHERE id = 20005$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
-- An upsert: DO UPDATE SET size = NULL hands the size to the rules (the
-- proposed row's size is not taken); leaving size out keeps it derived.
INSERT INTO salesalgo.client (id, name, size) VALUES (20006, 'Lime', 'large')
ON CONFLICT (id) DO UPDATE SET size = NULL;
INSERT INTO salesalgo.client (id, name, size) VALUES (20002, 'Elm Ltd', 'small')
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name;
SELECT id, name, size, size_derived FROM salesalgo.client WHERE id IN (20002, 20006) ORDER BY id;
UPDATE salesalgo.client SET size = 'large', name = 'Lime' WHERE id = 20006;
UPDATE salesalgo.client SET name = 'Elm' WHERE id = 20002;
SELECT client_id, from_size, to_size, size_derived, source
FROM salesalgo.client_history WHERE client_id = 20002 ORDER BY id;

-- A rule committed applies from the next statement.
INSERT INTO salesalgo.size_rule (id, size, category_id, condition) VALUES (6, 'small', 2001, 'true');
INSERT INTO salesalgo.client (id, name, category_id, attributes)
VALUES (20020, 'Pine', 2001, '{"employees": 3}');
SELECT id, size, size_derived FROM salesalgo.client WHERE id = 20020;

-- A category that size rules name cannot be deleted.
INSERT INTO salesalgo.category (id, name) VALUES (2004, 'sizes: spare');
INSERT INTO salesalgo.size_rule (id, size, category_id, condition) VALUES (7, 'large', 2004, 'true');
SELECT code, constraint_name
FROM regress.error_of($$DELETE FROM salesalgo.category WHERE id = 2004$$);
SELECT count(*) AS rules_of_spare FROM salesalgo.size_rule WHERE category_id = 2004;

-- reclassify(): the DBA raised the bar of large and took production out
-- of profile.  Derived sizes follow; given ones stay; a client in a
-- worklist that becomes nonprofile is refused for reason nonprofile.
UPDATE salesalgo.client SET manager_id = 2002 WHERE id = 20004;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (20004, 20005);
-- only the clients named: the bar of large rises past Elm (400 employees)
-- and Bulk 3 (300); Elm changes, Bulk 3 stays
UPDATE salesalgo.size_rule SET condition = '$.revenue >= 500000000 || $.employees >= 500' WHERE id = 1;
SELECT salesalgo.reclassify(ARRAY[20002, 20006, 29999]::bigint[]) AS changed;
SELECT id, size, size_derived FROM salesalgo.client WHERE id IN (20002, 20006, 20013) ORDER BY id;
UPDATE salesalgo.size_rule SET condition = '$.employees >= 1000' WHERE id = 1;
UPDATE salesalgo.category SET in_profile = false WHERE id = 2001;
INSERT INTO salesalgo.client (id, name, size, category_id, manager_id)
VALUES (20024, 'Given', 'medium', 2001, 2002);
SELECT salesalgo.reclassify() AS changed;
SELECT id, name, size, size_derived, state, refusal_reason, manager_id, deadline_at
FROM salesalgo.client WHERE id BETWEEN 20001 AND 20099 ORDER BY id;
-- in client id order: the history of a run, and the order it locks in
SELECT client_id, from_state, to_state, from_size, to_size, size_derived, refusal_reason, source
FROM salesalgo.client_history
WHERE client_id BETWEEN 20001 AND 20099 AND source = 'reclassify' ORDER BY id;
SELECT manager_id, in_work FROM salesalgo.worklist WHERE manager_id IN (2001, 2002) ORDER BY 1;
SELECT * FROM salesalgo."check"()
WHERE client_id BETWEEN 20001 AND 20099 OR manager_id IN (2001, 2002);
-- idempotent
SELECT salesalgo.reclassify() AS changed;
SELECT salesalgo.reclassify('{}') AS changed;

-- Derived clients the rules now leave without a size keep it and are
-- skipped, with one NOTICE naming the first five; the others are
-- reclassified.
INSERT INTO salesalgo.client (id, name, attributes)
SELECT 20030 + g, 'Shop ' || g, jsonb_build_object('employees', 10 * g)
FROM generate_series(1, 4) AS g;
DELETE FROM salesalgo.size_rule WHERE id = 3;
UPDATE salesalgo.size_rule SET condition = '$.revenue >= 100000000 || $.employees >= 250' WHERE id = 2;
UPDATE salesalgo.size_rule SET condition = '$.employees >= 350' WHERE id = 1;
SELECT id, size, salesalgo.classify(attributes, category_id) AS rules_give
FROM salesalgo.client WHERE id BETWEEN 20001 AND 20099 AND size_derived ORDER BY id;
SELECT salesalgo.reclassify() AS changed;
SELECT id, size, size_derived FROM salesalgo.client
WHERE id BETWEEN 20001 AND 20099 AND size_derived ORDER BY id;
SELECT client_id, from_size, to_size FROM salesalgo.client_history
WHERE client_id BETWEEN 20001 AND 20099 AND source = 'reclassify' ORDER BY id DESC LIMIT 1;
SELECT salesalgo.reclassify(ARRAY[20011]::bigint[]) AS changed;
DELETE FROM salesalgo.client WHERE id BETWEEN 20031 AND 20034;
UPDATE salesalgo.size_rule SET condition = '$.employees >= 1000' WHERE id = 1;
UPDATE salesalgo.size_rule SET condition = '$.revenue >= 100000000 || $.employees >= 50' WHERE id = 2;
INSERT INTO salesalgo.size_rule (id, size, condition) VALUES (3, 'small', '$.employees >= 5');

-- Who may: a head of sales reads the rules, previews and reclassifies; a
-- BI role previews; a manager's login neither; nobody but the owner
-- writes the rules.
CREATE ROLE regress_sizes_head;
CREATE ROLE regress_sizes_bi;
CREATE ROLE regress_sizes_manager;
SELECT salesalgo.grant_access('regress_sizes_head', 'head');
SELECT salesalgo.grant_access('regress_sizes_bi', 'bi');
SELECT salesalgo.grant_access('regress_sizes_manager', 'manager');
SET ROLE regress_sizes_head;
SELECT count(*) AS rules_seen FROM salesalgo.size_rule;
SELECT salesalgo.classify('{"employees": 60}') AS head_classify;
SELECT salesalgo.reclassify() AS head_reclassify;
SELECT code FROM regress.error_of($$INSERT INTO salesalgo.size_rule (size, condition) VALUES ('large', 'true')$$);
SELECT code FROM regress.error_of($$UPDATE salesalgo.category SET in_profile = true WHERE id = 2001$$, true);
RESET ROLE;
SET ROLE regress_sizes_bi;
SELECT salesalgo.classify('{"employees": 60}') AS bi_classify;
SELECT code FROM regress.error_of($$SELECT salesalgo.reclassify()$$);
SELECT code FROM regress.error_of($$SELECT count(*) FROM salesalgo.size_rule$$);
RESET ROLE;
SET ROLE regress_sizes_manager;
SELECT code FROM regress.error_of($$SELECT salesalgo.classify('{}')$$);
SELECT code FROM regress.error_of($$SELECT salesalgo.reclassify()$$);
SELECT code FROM regress.error_of($$UPDATE salesalgo.client SET size = NULL WHERE id = 20002$$);
RESET ROLE;
SET ROLE regress_salesalgo_nobody;
SELECT code FROM regress.error_of($$SELECT salesalgo.classify('{}')$$);
RESET ROLE;
-- revoke_access() takes it all back
SELECT salesalgo.revoke_access('regress_sizes_head');
SELECT salesalgo.revoke_access('regress_sizes_bi');
SELECT salesalgo.revoke_access('regress_sizes_manager');
SELECT p.proname, r.rolname
FROM pg_proc AS p CROSS JOIN pg_roles AS r
WHERE p.proname IN ('classify', 'reclassify')
  AND p.pronamespace = 'salesalgo'::regnamespace
  AND r.rolname LIKE 'regress_sizes_%'
  AND has_function_privilege(r.oid, p.oid, 'EXECUTE');
DROP ROLE regress_sizes_head, regress_sizes_bi, regress_sizes_manager;

-- clean up for the suites after this one
DELETE FROM salesalgo.client WHERE id BETWEEN 20001 AND 20099;
DELETE FROM salesalgo.size_rule;
DELETE FROM salesalgo.category WHERE id BETWEEN 2001 AND 2004;
DELETE FROM salesalgo.manager WHERE id IN (2001, 2002);
RESET salesalgo.now;
