-- client_size and client_state: values, order, operators, labels.

-- What the catalog says: one byte, passed by value.
SELECT typname, typlen, typbyval, typalign, typstorage
FROM pg_type
WHERE typnamespace = 'salesalgo'::regnamespace AND typtype = 'b'
  AND typname IN ('client_size', 'client_state')
ORDER BY typname;

-- Every value, in sort order, with its labels; output is the English name.
SELECT v, v::text AS text_out, salesalgo.label(v) AS en,
       salesalgo.label(v, 'ru') AS ru, pg_column_size(v) AS bytes
FROM unnest('{large,nonprofile,medium,small}'::salesalgo.client_size[]) AS v
ORDER BY v;

SELECT v, salesalgo.label(v) AS en, salesalgo.label(v, 'RU') AS ru,
       salesalgo.in_worklist(v), pg_column_size(v) AS bytes
FROM unnest('{refusal,recall,strategic_reserve,client,deal_support,deal,
              contact_3,contact_2,contact_1,new}'::salesalgo.client_state[]) AS v
ORDER BY v;

-- Every output name reads back as itself.
SELECT count(*) AS states_round_trip
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS v
WHERE v::text::salesalgo.client_state = v;
SELECT count(*) AS sizes_round_trip
FROM unnest('{nonprofile,small,medium,large}'::salesalgo.client_size[]) AS v
WHERE v::text::salesalgo.client_size = v;

-- Input: any case, surrounding white space, '_', '-' or spaces between words,
-- the book's Russian names and their usual variants.
SELECT input, input::salesalgo.client_state AS state
FROM (VALUES ('new'), ('  NEW  '), (E'\tNew\n'), ('contact_1'), ('Contact 1'),
             ('contact-2'), ('CONTACT  3'), ('contact3'), ('deal'),
             ('Deal_Support'), ('deal support'), ('client'),
             ('strategic_reserve'), ('Strategic Reserve'), ('recall'),
             ('refusal'), ('Новый'), ('новый клиент'), ('1 контакт'),
             ('1-й контакт'), ('Второй контакт'), ('3 КОНТАКТ'),
             ('Сделка'), ('Сопровождение сделки'), ('клиент'),
             ('Стратегический запас'), ('стратегический архив'),
             ('Обзвон'), ('ОТКАЗ'), ('  отказ  ')) AS t(input);

SELECT input, input::salesalgo.client_size AS size
FROM (VALUES ('nonprofile'), ('Non-Profile'), ('non_profile'), ('small'),
             (' MEDIUM '), ('Large'), ('крупный'), ('Крупный клиент'),
             ('средний'), ('маленький'), ('малый'), ('НЕПРОФИЛЬНЫЙ'),
             ('непрофильный клиент')) AS t(input);

-- White space around a value does not count against any length limit.
SELECT (repeat(' ', 1000000) || 'deal' || repeat(E'\n', 1000000))::salesalgo.client_state;

-- Every operator agrees with the order of the positions, for every pair.
WITH s AS (
    SELECT v, ord
    FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
                  strategic_reserve,recall,refusal}'::salesalgo.client_state[])
         WITH ORDINALITY AS u(v, ord)
)
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a.v = b.v) <> (a.ord = b.ord)) AS eq_wrong,
       count(*) FILTER (WHERE (a.v <> b.v) <> (a.ord <> b.ord)) AS ne_wrong,
       count(*) FILTER (WHERE (a.v < b.v) <> (a.ord < b.ord)) AS lt_wrong,
       count(*) FILTER (WHERE (a.v <= b.v) <> (a.ord <= b.ord)) AS le_wrong,
       count(*) FILTER (WHERE (a.v > b.v) <> (a.ord > b.ord)) AS gt_wrong,
       count(*) FILTER (WHERE (a.v >= b.v) <> (a.ord >= b.ord)) AS ge_wrong,
       count(*) FILTER (WHERE sign(salesalgo.client_state_cmp(a.v, b.v))
                              <> sign(a.ord - b.ord)) AS cmp_wrong
FROM s a CROSS JOIN s b;

WITH s AS (
    SELECT v, ord
    FROM unnest('{nonprofile,small,medium,large}'::salesalgo.client_size[])
         WITH ORDINALITY AS u(v, ord)
)
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a.v = b.v) <> (a.ord = b.ord)) AS eq_wrong,
       count(*) FILTER (WHERE (a.v <> b.v) <> (a.ord <> b.ord)) AS ne_wrong,
       count(*) FILTER (WHERE (a.v < b.v) <> (a.ord < b.ord)) AS lt_wrong,
       count(*) FILTER (WHERE (a.v <= b.v) <> (a.ord <= b.ord)) AS le_wrong,
       count(*) FILTER (WHERE (a.v > b.v) <> (a.ord > b.ord)) AS gt_wrong,
       count(*) FILTER (WHERE (a.v >= b.v) <> (a.ord >= b.ord)) AS ge_wrong,
       count(*) FILTER (WHERE sign(salesalgo.client_size_cmp(a.v, b.v))
                              <> sign(a.ord - b.ord)) AS cmp_wrong
FROM s a CROSS JOIN s b;

-- A few of those pairs spelled out.
SELECT 'new'::salesalgo.client_state < 'contact_1' AS new_before_contact,
       'client'::salesalgo.client_state < 'strategic_reserve' AS client_before_reserve,
       'refusal'::salesalgo.client_state > 'recall' AS refusal_last,
       'large'::salesalgo.client_size >= 'крупный' AS large_is_krupnyi,
       'small'::salesalgo.client_size <> 'medium' AS small_not_medium;

SELECT min(v), max(v)
FROM unnest('{deal,new,refusal,client}'::salesalgo.client_state[]) AS v;
SELECT min(v), max(v)
FROM unnest('{medium,large,small}'::salesalgo.client_size[]) AS v;

-- Labels: the language is 'en' or 'ru', in any case; nothing else.
SELECT salesalgo.label('deal_support'::salesalgo.client_state, 'En');
SELECT salesalgo.label('deal_support'::salesalgo.client_state, 'de');
SELECT salesalgo.label('large'::salesalgo.client_size, '');
SELECT salesalgo.label(NULL::salesalgo.client_size) IS NULL AS null_label,
       salesalgo.in_worklist(NULL) IS NULL AS null_in_worklist;

-- Arrays and records of the types print and parse.
SELECT '{new,"1 контакт",Deal}'::salesalgo.client_state[] AS states;
SELECT ROW('large'::salesalgo.client_size, 'recall'::salesalgo.client_state)::text;
