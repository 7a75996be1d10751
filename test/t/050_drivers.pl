# salesalgo as applications and BI tools meet it: psycopg 3 and
# node-postgres, connected as roles whose search_path is PostgreSQL's
# default ("$user", public), send comparisons of states and sizes with
# untyped parameters; a role given grant_access(role, 'bi') runs every
# query of README's "For BI tools" section and the trial report.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('drivers');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE sales');
$node->safe_psql('sales', q{
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2026-03-02 09:00+00';
	INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (1, 'Anna', 10), (2, 'Boris', 10);
	INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
		(1, 'c1', 'small', 1), (2, 'c2', 'medium', 1), (3, 'c3', 'large', 2);
	INSERT INTO salesalgo.client (id, name, size) VALUES (4, 'lead', 'small'), (5, 'c5', 'nonprofile');
	SET salesalgo.now = '2026-03-03 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (1, 2, 3);
	SET salesalgo.now = '2026-03-04 09:00+00';
	UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 1;
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 3;
	SET salesalgo.now = '2026-03-05 09:00+00';
	UPDATE salesalgo.client SET state = 'deal' WHERE id = 1;
	CREATE ROLE app LOGIN;
	GRANT SELECT ON salesalgo.client, salesalgo.client_history, salesalgo.funnel,
		salesalgo.pipeline TO app;
	CREATE ROLE metabase LOGIN;
	SELECT salesalgo.grant_access('metabase', 'bi');
});

# clients now: c1 deal, c2 contact_1, c3 refusal, lead and c5 new
my %expected = (
	search_path => '"$user", public',
	eq => 1, ne => 4, in => 3, gt => 2, between => 2, case => 1, filter => 2,
	size_ge => 2, cast => 1, literal => 1, max => 'refusal nonprofile', join => 3,
	distinct_from => 1, eq_on_path => 1);

my ($out, $err) = ('', '');
my $app = $node->connstr('sales') . ' user=app';
my $bi = $node->connstr('sales') . ' user=metabase';
ok(IPC::Run::run([ '/usr/bin/python3', 'test/surface_client.py', $app, $bi, 'README.md' ],
		'>', \$out, '2>', \$err), 'psycopg 3: the script ran') or diag($err);
my %got = map { my ($k, $v) = split / /, $_, 2; ($k, $v) } split /\n/, $out;
for my $name (sort keys %expected)
{
	is($got{$name}, $expected{$name}, "psycopg 3, default search_path: $name");
}

# README's BI queries, every one, as the bi role
cmp_ok($got{bi_statements}, '>=', 4, 'README documents BI queries');
for my $i (1 .. ($got{bi_statements} // 0))
{
	like($got{"bi_query_$i"}, qr/^ok \d+$/, "psycopg 3, as a bi role: README's BI query $i runs");
}
is($got{bi_trial_report}, 3, 'psycopg 3, as a bi role: the trial report, two managers and the total');
like($got{bi_trial_report_null}, qr/^22004 \S/, 'a NULL period: 22004 with a hint');
like($got{bi_trial_report_inverted}, qr/^22023 \S/, 'an inverted period: 22023 with a hint');

# node-postgres, with the modules ./run installed under test/node
ok(-d 'test/node/node_modules/pg', 'node-postgres is installed in test/node');
my $url = sprintf('postgresql://app@/sales?host=%s&port=%d', $node->host, $node->port);
($out, $err) = ('', '');
ok(IPC::Run::run([ 'node', 'test/node/surface_client.js', $url ], '>', \$out, '2>', \$err),
	'node-postgres: the script ran') or diag("$out$err");
%got = map { my ($k, $v) = split / /, $_, 2; ($k, $v) } split /\n/, $out;
for my $name (qw(eq in gt between case filter size_ge cast max join))
{
	is($got{$name}, $expected{$name}, "node-postgres, default search_path: $name");
}

$node->stop;
done_testing();
