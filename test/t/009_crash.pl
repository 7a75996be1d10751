# SIGKILL in the middle of a large sales_expire() and of a bulk update:
# after the restart nothing is half-done (every client, count and history
# row is as before the statement) and check() finds nothing wrong; the
# work then runs to the end.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $clients = 300_000;
my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;

$node->safe_psql('postgres', q{
	ALTER DATABASE postgres SET search_path = public, salesalgo;
	CREATE EXTENSION salesalgo;
	SET salesalgo.now = '2026-03-02 09:00+03';
	INSERT INTO salesalgo.manager (id, name, worklist_cap)
		SELECT i, 'manager ' || i, 20000 FROM generate_series(1, 20) AS i;
});
$node->safe_psql('postgres', qq{
	SET salesalgo.now = '2026-03-02 09:00+03';
	INSERT INTO salesalgo.client (name, size, manager_id)
		SELECT 'client ' || i, (ARRAY['small', 'medium', 'large'])[1 + i % 3]::salesalgo.client_size,
		       1 + i % 20
		FROM generate_series(1, $clients) AS i;
});

# Everything a statement could leave half-done.
my $snapshot = q{
	SELECT (SELECT string_agg(state || '=' || n, ' ' ORDER BY state)
	        FROM (SELECT state, count(*) AS n FROM salesalgo.client GROUP BY state) s),
	       (SELECT sum(in_work) FROM salesalgo.manager),
	       (SELECT count(*) FROM salesalgo.client_history),
	       (SELECT md5(string_agg(id || ':' || state || ':' || coalesce(manager_id, 0), ',' ORDER BY id))
	        FROM salesalgo.client)
};

# Starts $sql in its own session, waits until it has run for a while, and
# returns the session and its backend's pid.
sub start_long
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', $sql ],
		'>', \$out, '2>', \$err);
	for (my $tries = 0;; $tries++)
	{
		last if $node->safe_psql('postgres', qq{
			SELECT EXISTS (SELECT FROM pg_stat_activity
			               WHERE query = \$q\$$sql\$q\$ AND state = 'active'
			                 AND now() - query_start > interval '1 s')}) eq 't';
		die "the statement ended or did not start: $err" if !$h->pumpable || $tries > 600;
		usleep(100_000);
	}
	my $pid = $node->safe_psql('postgres',
		qq{SELECT pid FROM pg_stat_activity WHERE query = \$q\$$sql\$q\$});
	return ($h, $pid);
}

# The backends and other children of the postmaster.
sub server_processes
{
	my $postmaster = $node->{_pid};
	my @pids = ($postmaster);
	for my $stat (glob('/proc/[0-9]*/stat'))
	{
		open(my $fh, '<', $stat) or next;
		my $line = <$fh>;
		close($fh);
		push @pids, $1 if defined $line && $line =~ /^(\d+) \(.*\) \S (\d+)/ && $2 == $postmaster;
	}
	return @pids;
}

# Whether a process runs: not gone, not a zombie.
sub process_alive
{
	my ($pid) = @_;
	open(my $fh, '<', "/proc/$pid/stat") or return 0;
	my $line = <$fh>;
	close($fh);
	return defined $line && $line !~ /^\d+ \(.*\) Z /;
}

# 1. A backend killed in the middle of sales_expire(): the postmaster
# restarts every backend and recovers.
my $before = $node->safe_psql('postgres', $snapshot);
my $expire = q{SELECT salesalgo.sales_expire('2026-05-01 09:00+03')};
my ($h, $pid) = start_long($expire);
kill 'KILL', $pid;
$h->finish;
$node->poll_query_until('postgres', 'SELECT true') or die 'no restart';
like(slurp_file($node->logfile), qr/terminated by signal 9: Killed/,
	'the backend was killed mid-expiry and the server restarted');
is($node->safe_psql('postgres', $snapshot), $before, 'nothing of the expiry is left');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() finds nothing wrong after the crash');
is($node->safe_psql('postgres', $expire), $clients, 'the expiry then runs to the end');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'and check() finds nothing wrong');

# 2. The whole server killed, postmaster and all, in the middle of a bulk
# update that brings clients back from refusal into worklists.
$node->safe_psql('postgres', q{
	SET salesalgo.now = '2026-05-02 09:00+03';
	UPDATE salesalgo.client SET state = 'recall';
});
$before = $node->safe_psql('postgres', $snapshot);
my $bulk = q{SET salesalgo.now = '2026-05-03 09:00+03'; UPDATE salesalgo.client SET state = 'contact_1' WHERE state = 'recall'};
($h, $pid) = start_long($bulk);
my @killed = server_processes();
kill 'KILL', @killed;
$h->finish;
# Wait until they are dead.  Where nothing reaps orphans (PID 1 in a
# container), the postmaster stays a zombie that still "holds" its lock
# files; a DBA removes them, and so does this test.
for my $p (@killed)
{
	for (my $tries = 0; $tries < 100 && process_alive($p); $tries++)
	{
		usleep(100_000);
	}
}
ok(!grep({ process_alive($_) } @killed), 'the whole server was killed');
if (-e "/proc/$killed[0]")
{
	unlink($node->data_dir . '/postmaster.pid');
	unlink($node->host . '/.s.PGSQL.' . $node->port . '.lock');
}
$node->{_pid} = undef;
$node->start;
is($node->safe_psql('postgres', $snapshot), $before, 'nothing of the bulk update is left');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'check() finds nothing wrong after the restart');
$node->safe_psql('postgres', $bulk);
is($node->safe_psql('postgres', q{SELECT count(*) FROM salesalgo.client WHERE state = 'contact_1'}),
	$clients, 'the bulk update then runs to the end');
is($node->safe_psql('postgres', 'SELECT count(*) FROM salesalgo.check()'), '0',
	'and check() finds nothing wrong');

$node->stop;
done_testing();
