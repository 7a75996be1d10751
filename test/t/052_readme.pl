# README.md runs as written: every ```sql block, in order, in a fresh
# database of a fresh cluster, as the superuser who installs salesalgo.
# A statement that shows an error ends with "-- error: SQLSTATE" and must
# fail with exactly that.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('readme');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE sales');

my ($out, $err) = ('', '');
ok(IPC::Run::run([ '/usr/bin/python3', 'test/readme_sql.py', $node->connstr('sales'), 'README.md' ],
		'>', \$out, '2>', \$err), 'the README runner ran') or diag($err);
my @lines = split /\n/, $out;
my ($blocks) = map { /^blocks (\d+)$/ ? $1 : () } @lines;
my ($statements) = map { /^statements (\d+)$/ ? $1 : () } @lines;
cmp_ok($blocks // 0, '>=', 3, 'README has SQL blocks: the tour, BI, security');
cmp_ok($statements // 0, '>=', 30, "they hold $statements statements");
for my $line (grep { /^\d+ / } @lines)
{
	my ($n) = $line =~ /^(\d+) /;
	like($line, qr/^\d+ (ok|error \S+ \(expected\))$/, "README statement $n");
}
is(scalar(grep { /^\d+ / } @lines), $statements, 'every statement ran');
is($node->safe_psql('sales', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() is empty afterwards');

$node->stop;
done_testing();
