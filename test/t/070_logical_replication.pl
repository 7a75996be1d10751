# A BI replica fed by logical replication: a publication of salesalgo's
# tables on the department's database, a subscription on a second cluster
# that has salesalgo installed too.  Rows arrive as they were; salesalgo's
# triggers (ordinary triggers, which the apply worker does not fire under
# session_replication_role = replica) write nothing a second time; the views
# and the trial report read the same numbers on both; check() is empty on the
# replica.  Also what the recipe must do about the replica's shipped rule
# rows and the rule tables without a primary key, and what a write on the
# replica does.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use File::Basename qw(dirname);

# The README's recipe, as written: the SQL blocks of its section.
my $readme = slurp_file(dirname(__FILE__) . '/../../README.md');
$readme =~ /^### Feeding BI replicas and event consumers: logical replication\n(.*?)^##? /ms
  or die 'README.md has no section on logical replication';
my @blocks = $1 =~ /^```sql\n(.*?)^```/gms;
is(scalar @blocks, 3, 'the README section has three SQL blocks');
my ($readme_pub, $readme_sub, $readme_events) = @blocks;
my ($readme_events_pub, $readme_events_sub) =
  split /^-- on the consumer's database\n/m, $readme_events;

my $pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
$pub->start;
my $sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
# table sync workers start sooner, and more at once, than by default
$sub->append_conf('postgresql.conf', q{
wal_retrieve_retry_interval = '200ms'
max_sync_workers_per_subscription = 4
});
$sub->start;

$_->safe_psql('postgres', 'CREATE DATABASE sales') for ($pub, $sub);
# The operators live in schema salesalgo in 1.1 (README, "A first tour").
$_->safe_psql('sales', q{
	CREATE EXTENSION salesalgo;
	ALTER DATABASE sales SET search_path = "$user", public, salesalgo;
}) for ($pub, $sub);

# Every table salesalgo creates but access_role, whose roles are the
# cluster's own (a regrole arrives as a name the replica may not know).
my $tables = $pub->safe_psql('sales', q{
	SELECT string_agg(format('salesalgo.%I', c.relname), ', ' ORDER BY c.relname)
	FROM pg_class AS c
	WHERE c.relnamespace = 'salesalgo'::regnamespace AND c.relkind = 'r'
	  AND c.relname <> 'access_role'});
my @tables = split /, /, $tables;
note "published: $tables";

# transition_rule and deadline_rule have no primary key (their keys have
# NULLs): once published, the publisher refuses to update or delete their
# rows until they have a replica identity.
$pub->safe_psql('sales', 'CREATE PUBLICATION probe FOR TABLE salesalgo.transition_rule');
my ($ret, $out, $err) = $pub->psql('sales', q{
	DELETE FROM salesalgo.transition_rule WHERE from_state = 'deal' AND to_state = 'refusal'});
like($err, qr/cannot delete from table "transition_rule" because it does not have a replica identity and publishes deletes/,
	'without a replica identity, a published rule table refuses deletes on the publisher');
is($pub->safe_psql('sales', q{
	SELECT count(*) FROM salesalgo.transition_rule WHERE from_state = 'deal' AND to_state = 'refusal'}),
	'1', 'and the rule is still there');
$pub->safe_psql('sales', 'DROP PUBLICATION probe');

# The recipe, on the publisher: a replica identity for the keyless rule
# tables, then the publication (README's first block).
$pub->safe_psql('sales', $readme_pub);
is($pub->safe_psql('sales', q{
	SELECT string_agg(format('%I.%I', schemaname, tablename), ', ' ORDER BY tablename)
	FROM pg_publication_tables WHERE pubname = 'salesalgo_bi'}),
	$tables, "the README's publication holds every table but access_role");

# A department at work before the subscription exists.
$pub->safe_psql('sales', q{
	SET search_path = public, salesalgo;
	SET salesalgo.now = '2026-03-02 09:00+03';
	INSERT INTO manager (name, login, worklist_cap) VALUES
	    ('Анна', 'anna', 20), ('Boris', NULL, NULL), ('Vera', NULL, 12);
	INSERT INTO category (name) VALUES ('production'), ('trade');

	-- the DBA's changes to the installed rules
	UPDATE refusal_reason SET label = 'Кризис в отрасли' WHERE code = 'crisis';
	INSERT INTO refusal_reason (code, label, hard) VALUES ('competitor', 'Went to a competitor', false);
	DELETE FROM transition_rule WHERE from_state = 'deal' AND to_state = 'refusal';
	INSERT INTO transition_rule (from_state, to_state) VALUES ('contact_1', 'deal');
	UPDATE deadline_rule SET days = 10 WHERE size = 'small' AND category_id IS NULL;
	INSERT INTO deadline_rule (size, category_id, days) VALUES ('medium', 1, 45);
	UPDATE settings SET default_worklist_cap = 60;

	INSERT INTO client (name, size, category_id, manager_id, external_id)
	SELECT 'Компания ' || i, (ARRAY['small','medium','large'])[1 + i % 3]::client_size,
	       1 + i % 2, 1 + i % 3, 'crm-' || i
	FROM generate_series(1, 30) AS i;
	INSERT INTO client (name, size) VALUES ('Lead A', 'small'), ('Lead B', 'large'),
	    ('Чужие', 'nonprofile');
	UPDATE client SET state = 'contact_1' WHERE id <= 24;
	UPDATE client SET state = 'contact_2' WHERE id <= 18;
	UPDATE client SET state = 'deal' WHERE id <= 8;
	UPDATE client SET state = 'deal_support' WHERE id <= 4;
	UPDATE client SET state = 'client' WHERE id <= 2;
	UPDATE client SET state = 'refusal', refusal_reason = 'competitor' WHERE id IN (19, 20);
	UPDATE client SET state = 'recall' WHERE id = 20;
	UPDATE client SET state = 'strategic_reserve' WHERE id = 21;
	UPDATE client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE name = 'Чужие';
	SELECT extend_deadline(25, '2026-05-01 18:00+03', 'big tender');
	DELETE FROM client WHERE id = 30;
});
# Ten days on: the small clients' ten days have run out.
$pub->safe_psql('sales', q{
	SET salesalgo.now = '2026-03-12 10:00+03';
	SELECT salesalgo.sales_expire();
	SELECT salesalgo.distribute_leads();
});

# The replica: salesalgo installed (the same version), the audit triggers
# that show which triggers the apply worker fires, the shipped rule rows
# removed, then the subscription.
$sub->safe_psql('sales', q{
	CREATE TABLE public.fired (kind text PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
	INSERT INTO public.fired (kind) VALUES ('ordinary'), ('always');
	CREATE FUNCTION public.count_fired() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
	    UPDATE public.fired SET n = n + 1 WHERE kind = TG_ARGV[0];
	    RETURN NULL;
	END $$;
	CREATE TRIGGER audit_ordinary AFTER INSERT OR UPDATE OR DELETE ON salesalgo.client
	    FOR EACH ROW EXECUTE FUNCTION public.count_fired('ordinary');
	CREATE TRIGGER audit_always AFTER INSERT OR UPDATE OR DELETE ON salesalgo.client
	    FOR EACH ROW EXECUTE FUNCTION public.count_fired('always');
	ALTER TABLE salesalgo.client ENABLE ALWAYS TRIGGER audit_always;
});

# Without removing them, the replica's own shipped rows collide with the
# publisher's copies of them: the initial copy of refusal_reason fails on
# its primary key, again and again.
my $connstr = $pub->connstr . ' dbname=sales';
my $offset = -s $sub->logfile;
$sub->safe_psql('sales', qq{
	CREATE SUBSCRIPTION probe CONNECTION '$connstr' PUBLICATION salesalgo_bi
	    WITH (slot_name = probe)});
$sub->wait_for_log(qr/duplicate key value violates unique constraint "refusal_reason_pkey"/, $offset);
pass('the shipped rows collide with the copy: refusal_reason_pkey');
$sub->safe_psql('sales', 'DROP SUBSCRIPTION probe');

# The recipe, on the replica (README's second block, less its CREATE
# EXTENSION, done above): empty salesalgo's tables with its triggers off (a
# fresh install holds only the shipped rule rows and the settings, but the
# failed attempt above copied the tables that had no collision), so that
# the publisher's rows, shipped ones included, arrive as they are; then
# subscribe.
my ($truncated) = $readme_sub =~ /^TRUNCATE (.*?);/ms;
is(join(', ', sort split /,\s*/, $truncated // ''), $tables,
	"the README's replica empties every published table");
my $readme_connstr = qr/'host=sales-db\.example\.com dbname=sales user=replicator'/;
$readme_sub =~ s/\A(?:--.*\n)*CREATE EXTENSION salesalgo;.*\n//
  or die "the README's replica block does not begin with CREATE EXTENSION";
$readme_sub =~ s/$readme_connstr/'$connstr'/g or die 'no connection string';
$sub->safe_psql('sales', "CREATE ROLE metabase LOGIN; $readme_sub");
$sub->wait_for_subscription_sync($pub, 'salesalgo_bi', 'sales');

# An event consumer needs no salesalgo: the history's new rows, some of its
# columns, into a plain table of text columns (logical replication sends
# values as text) in a database of its own, from now on (copy_data false).
$pub->safe_psql('sales', $readme_events_pub);
my $events_from = $pub->safe_psql('sales', 'SELECT max(id) FROM salesalgo.client_history');
$sub->safe_psql('postgres', 'CREATE DATABASE events');
$readme_events_sub =~ s/$readme_connstr/'$connstr'/g or die 'no connection string';
$sub->safe_psql('events', $readme_events_sub);
$sub->wait_for_subscription_sync($pub, 'salesalgo_events', 'events');

# More of the department's life after the subscription exists.
$pub->safe_psql('sales', q{
	SET search_path = public, salesalgo;
	SET salesalgo.now = '2026-03-16 11:00+03';
	UPDATE client SET name = 'ООО «Ромашка и сыновья»', attributes = '{"revenue": 1200000}'
	    WHERE id = 3;
	UPDATE client SET state = 'contact_3' WHERE id IN (10, 11);
	UPDATE client SET state = 'deal' WHERE id = 11;
	UPDATE client SET manager_id = 2 WHERE id = 12;
	UPDATE client SET state = 'contact_1' WHERE id = 20;
	INSERT INTO client (name, size, manager_id) VALUES ('Stahlwerk GmbH', 'large', 3);
	DELETE FROM client WHERE id = 29;
	-- rule changes: rows of the keyless tables found by their full row
	UPDATE deadline_rule SET days = 35 WHERE size = 'medium' AND category_id IS NULL;
	DELETE FROM transition_rule WHERE from_state = 'contact_1' AND to_state = 'deal';
	UPDATE settings SET default_worklist_cap = 50;
	UPDATE manager SET active = false WHERE id = 3;
});
$pub->safe_psql('sales', q{
	SET salesalgo.now = '2026-04-05 10:00+03';
	SELECT salesalgo.sales_expire();
});
my $started = time;
$pub->wait_for_catchup('salesalgo_bi');
$pub->wait_for_catchup('salesalgo_events');
note sprintf('both subscribers caught up %.2f s after the last commit', time - $started);

# Rows arrive as they were.
for my $table (@tables)
{
	my $rows = "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM $table AS t";
	is($sub->safe_psql('sales', $rows), $pub->safe_psql('sales', $rows),
		"every row of $table is equal on the replica");
}
is($sub->safe_psql('sales', q{SELECT name || ' ' || attributes FROM salesalgo.client WHERE id = 3}),
	'ООО «Ромашка и сыновья» {"revenue": 1200000}',
	'a client changed on the publisher after the subscription shows up');
is($sub->safe_psql('sales', q{
	SELECT count(*) FROM salesalgo.client_history
	WHERE changed_at >= '2026-03-16 11:00+03'}),
	$pub->safe_psql('sales', q{
	SELECT count(*) FROM salesalgo.client_history
	WHERE changed_at >= '2026-03-16 11:00+03'}),
	'the history written after the subscription arrived once');
cmp_ok($sub->safe_psql('sales', q{
	SELECT count(*) FROM salesalgo.client_history
	WHERE source = 'sales_expire' AND changed_at >= '2026-03-16 11:00+03'}),
	'>', 0, 'expiries are part of it');
my $events = qq{
	SELECT string_agg(concat_ws(' ', id, client_id, from_state, to_state, from_manager,
	                            to_manager, changed_at, source), E'\n' ORDER BY id)
	FROM salesalgo.client_history WHERE id > $events_from};
my $events_pub = $pub->safe_psql('sales', $events);
isnt($events_pub, '', 'history was written after the event consumer subscribed');
is($sub->safe_psql('events', $events), $events_pub,
	'the event consumer received every new history row, once, in order');
is($sub->safe_psql('events', "SELECT count(*) FROM salesalgo.client_history WHERE id <= $events_from"),
	'0', 'and nothing from before it subscribed');

# salesalgo's triggers did not run on the replica: its history sequence was
# never used, the ordinary audit trigger never fired, the ALWAYS one did.
is($sub->safe_psql('sales', q{
	SELECT string_agg(format('%s.%s=%s', c.relname, t.tgname, t.tgenabled), ' ')
	FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
	WHERE c.relnamespace = 'salesalgo'::regnamespace AND NOT t.tgisinternal
	  AND t.tgname NOT LIKE 'audit%' AND t.tgenabled <> 'O'}),
	'', "salesalgo's triggers on the replica are ordinary (ENABLE ORIGIN) triggers");
is($sub->safe_psql('sales', q{
	SELECT last_value || ' ' || is_called FROM salesalgo.client_history_id_seq}),
	'1 false', 'no history row was written by salesalgo on the replica');
is($sub->safe_psql('sales', q{SELECT n FROM public.fired WHERE kind = 'ordinary'}),
	'0', 'the apply worker fires no ordinary trigger on salesalgo.client');
cmp_ok($sub->safe_psql('sales', q{SELECT n FROM public.fired WHERE kind = 'always'}),
	'>', 0, 'but it applied client rows (an ENABLE ALWAYS trigger counted them)');

# The views and the trial report read the same numbers on both.
my %reads = (
	pipeline => 'SELECT * FROM salesalgo.pipeline ORDER BY state',
	worklist => 'SELECT * FROM salesalgo.worklist ORDER BY manager_id',
	funnel => 'SELECT * FROM salesalgo.funnel ORDER BY step',
	stage_time => 'SELECT * FROM salesalgo.stage_time ORDER BY state',
	overdue => 'SELECT * FROM salesalgo.overdue ORDER BY client_id',
	trial_report => q{SELECT * FROM salesalgo.trial_report('2026-03-01', '2026-04-06')
	                  ORDER BY manager_id NULLS LAST},
);
for my $read (sort keys %reads)
{
	my $sql = "SET salesalgo.now = '2026-04-20 09:00+03'; $reads{$read}";
	my $on_pub = $pub->safe_psql('sales', $sql);
	isnt($on_pub, '', "$read has rows");
	is($sub->safe_psql('sales', $sql), $on_pub, "$read reads the same on the replica");
}
is($sub->safe_psql('sales', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() is empty on the replica');
is($pub->safe_psql('sales', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'and on the publisher');

# A write on the replica is an ordinary session's: salesalgo's rules judge
# it there.  An illegal move is refused; a legal one needs a history row,
# whose id comes from the replica's own sequence, which replication does not
# advance: it collides with a replicated row and the statement fails.
my $before = $sub->safe_psql('sales', 'SELECT t::text FROM salesalgo.client AS t WHERE id = 16');
($ret, $out, $err) = $sub->psql('sales', q{
	\set VERBOSITY verbose
	UPDATE salesalgo.client SET state = 'client' WHERE id = 16});
like($err, qr/ERROR:  23514: .*\n(.*\n)*.*CONSTRAINT NAME:  client_state_transition/,
	'an illegal move on the replica is refused by the rules (23514)');
($ret, $out, $err) = $sub->psql('sales', q{
	\set VERBOSITY verbose
	UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 16});
like($err, qr/ERROR:  23505: duplicate key value violates unique constraint "client_history_pkey"/,
	'a legal move on the replica fails: its history id collides with a replicated row');
is($sub->safe_psql('sales', 'SELECT t::text FROM salesalgo.client AS t WHERE id = 16'), $before,
	'and changes nothing');

# Past that (a DBA who moved the replica's sequence), a local write
# succeeds and the replica is no longer a copy: the next change of that
# client from the publisher overwrites it, and check() on the replica shows
# the two histories.
$sub->safe_psql('sales', q{
	SELECT setval('salesalgo.client_history_id_seq', 1000000);
	UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 16;
});
is($sub->safe_psql('sales', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'a local write that succeeds is consistent on the replica alone');
$pub->safe_psql('sales', q{UPDATE salesalgo.client SET state = 'deal' WHERE id = 16});
$pub->wait_for_catchup('salesalgo_bi');
is($sub->safe_psql('sales', 'SELECT state FROM salesalgo.client WHERE id = 16'), 'deal',
	"the publisher's next change of the client overwrites the local one");
is($sub->safe_psql('sales', q{
	SELECT string_agg(DISTINCT invariant, ' ') FROM salesalgo.check() WHERE client_id = 16}),
	'funnel_steps history_chain history_current history_stay state_since',
	'and check() on the replica shows the diverged history (and what 1.2 keeps of it)');

$sub->stop;
$pub->stop;
done_testing();
