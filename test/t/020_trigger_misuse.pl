# Issue 16, item 1: salesalgo's trigger functions attached to a table of
# someone else's, as a login with no grants and as an application role with
# table privileges.  Attaching is refused (EXECUTE is not PUBLIC's); where a
# trigger gets attached anyway (EXECUTE granted by mistake), firing it is an
# error before any row is read.  Each time the server stays up (no crash
# recovery, the other session keeps its connection) and nothing is written.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('misuse');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	CREATE ROLE nobody LOGIN;
	CREATE ROLE crm_app LOGIN;
	GRANT CREATE ON SCHEMA public TO nobody, crm_app;
	GRANT USAGE ON SCHEMA salesalgo TO crm_app;
	GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON salesalgo.client,
		salesalgo.manager, salesalgo.client_history TO crm_app;
	INSERT INTO salesalgo.manager (id, name) VALUES (1, 'Anna'), (2, 'Boris');
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
		(1, 'one', 'small', 1), (2, 'two', 'medium', 2);
});

my $state_sql = q{
	SELECT (SELECT string_agg(t::text, ';' ORDER BY id) FROM salesalgo.client_history t)
	    || '|' || (SELECT string_agg(id || ':' || in_work, ';' ORDER BY id) FROM salesalgo.manager)
	    || '|' || (SELECT string_agg(t::text, ';' ORDER BY id) FROM salesalgo.client t)
};
my $before = $node->safe_psql('postgres', $state_sql);

# A session that must survive whatever the attacker does.
my $witness = $node->background_psql('postgres');
my $witness_pid = $witness->query_safe('SELECT pg_backend_pid()');

my $char_table = q{
	CREATE TEMP TABLE t (id bigint, name text, size "char", category_id bigint,
		state "char", manager_id bigint, refusal_reason %s, state_since timestamptz,
		work_started_at timestamptz, deadline_at timestamptz);
};
my %attacks = (
	'client_rules, "char" columns' => [
		sprintf($char_table, 'bigint'),
		'CREATE TRIGGER r BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules()',
		q{INSERT INTO t VALUES (1, 'x', '\001', NULL, '\000', NULL, 1, NULL, NULL, NULL)} ],
	'client_rules, raw bytes' => [
		sprintf($char_table, 'text'),
		'CREATE TRIGGER r BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules()',
		q{INSERT INTO t VALUES (1, 'x', '\001', NULL, '\377', 1, 'x', NULL, NULL, NULL)} ],
	'client_log, forged history' => [
		sprintf($char_table, 'text'),
		'CREATE TRIGGER l AFTER INSERT ON t REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log()',
		q{INSERT INTO t VALUES (4, 'x', '\002', NULL, '\006', 1, NULL, NULL, NULL, NULL)} ],
	'client_truncate, zeroed counts' => [
		sprintf($char_table, 'text'),
		'CREATE TRIGGER tr BEFORE TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_truncate()',
		'TRUNCATE t' ],
	'manager_guard' => [
		'CREATE TEMP TABLE t (id bigint, in_work "char")',
		'CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.manager_guard()',
		q{INSERT INTO t VALUES (1, '\001')} ],
);

for my $role ('nobody', 'crm_app')
{
	for my $name (sort keys %attacks)
	{
		my ($create, $attach, $fire) = @{ $attacks{$name} };
		my ($ret, $stdout, $stderr) = $node->psql('postgres',
			"SET ROLE $role; $create; $attach;", on_error_stop => 1);
		like($stderr, qr/permission denied for function/,
			"$role: attaching $name is refused");

		# EXECUTE granted by mistake: the function itself refuses the table
		$node->safe_psql('postgres', "GRANT EXECUTE ON FUNCTION salesalgo.client_rules(),"
			  . " salesalgo.client_log(), salesalgo.client_truncate(),"
			  . " salesalgo.manager_guard() TO $role");
		($ret, $stdout, $stderr) = $node->psql('postgres',
			"SET ROLE $role; $create; $attach; $fire;", on_error_stop => 1);
		like($stderr, qr/must be fired on salesalgo\.(client|manager)/,
			"$role: $name fired on a temp table is refused");
		$node->safe_psql('postgres', "REVOKE EXECUTE ON FUNCTION salesalgo.client_rules(),"
			  . " salesalgo.client_log(), salesalgo.client_truncate(),"
			  . " salesalgo.manager_guard() FROM $role");
		is($witness->query_safe('SELECT pg_backend_pid()'), $witness_pid,
			"$role: $name: the server stayed up");
	}
}

is($node->safe_psql('postgres', $state_sql), $before, 'nothing was written');
unlike(slurp_file($node->logfile), qr/terminated by signal|server process .* was terminated/,
	'no backend crashed');

$witness->quit;
$node->stop;
done_testing();
