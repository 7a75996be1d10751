# sqlsmith's random queries against a department at work, for a bounded
# time (SALESALGO_SQLSMITH_SECONDS, 30 in the suite; ./run sqlsmith runs
# longer).  It reads the tables, views and functions and tries changes
# through the triggers (each statement rolled back) as a head of sales may.
# Afterwards the server has never crashed and check() finds nothing wrong.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{SALESALGO_SQLSMITH_SECONDS} // 30;
my $seed = $ENV{SALESALGO_SQLSMITH_SEED} // 1;
my $node = PostgreSQL::Test::Cluster->new('sqlsmith');
$node->init;
$node->start;
my $postmaster = $node->{_pid};

$node->safe_psql('postgres', q{
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2026-03-02 09:00+03';
	INSERT INTO salesalgo.category (name) VALUES ('trade'), ('production');
	INSERT INTO salesalgo.manager (name, login, worklist_cap)
		SELECT 'manager ' || i, 'login' || i, 50 FROM generate_series(1, 8) AS i;
	INSERT INTO salesalgo.client (name, size, manager_id, category_id, attributes)
		SELECT 'client ' || i,
		       (ARRAY['small', 'medium', 'large', 'nonprofile'])[1 + i % 4]::salesalgo.client_size,
		       CASE WHEN i % 4 <> 3 AND i % 5 <> 0 THEN 1 + i % 8 END, 1 + i % 2,
		       jsonb_build_object('n', i)
		FROM generate_series(1, 400) AS i;
	UPDATE salesalgo.client SET state = 'contact_1'
		WHERE id % 3 = 0 AND size OPERATOR(pg_catalog.<>) 'nonprofile';
	UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id % 7 = 0;
	UPDATE salesalgo.client SET state = 'recall' WHERE id % 14 = 0;
	CREATE ROLE smith LOGIN;
	SELECT salesalgo.grant_access('smith', 'head');
});

my ($out, $err) = ('', '');
IPC::Run::run(
	[
		'timeout', $seconds, 'sqlsmith', '--exclude-catalog', "--seed=$seed", '--verbose',
		'--target=' . $node->connstr('postgres') . ' user=smith'
	],
	'>', \$out, '2>', \$err);
my @progress = $err =~ /queries: (\d+)/g;
diag("sqlsmith for ${seconds}s (seed $seed): " . ($progress[-1] // 0) . ' queries');
unlike($err, qr/connection to server .* (lost|closed)|server closed the connection/i,
	'sqlsmith never lost its connection') or diag substr($err, -2000);
cmp_ok(length($err), '>', 0, 'sqlsmith ran');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');
unlike(slurp_file($node->logfile), qr/terminated by signal|was terminated by exception/,
	'no backend crashed');
is($node->{_pid}, $postmaster, 'the same postmaster');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'),
	'0', 'check() finds nothing wrong');

$node->stop;
done_testing();
