/*
 * events.c
 *	  Live events for dashboards and applications.
 *
 * Every change of a client's state or manager is announced on channel
 * salesalgo_events with a small JSON payload:
 *
 *	  {"client": 42, "from_state": "contact_1", "to_state": "contact_2",
 *	   "from_manager": 3, "to_manager": 3, "at": "2026-01-14T11:00:00+03:00"}
 *
 * NOTIFY is transactional: listeners hear of a change when it commits, and
 * never of one that rolled back.  salesalgo.settings.notify_events turns it
 * off.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "lib/stringinfo.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "events.h"

bool
ChangeIsEvent(const ClientSide *before, const ClientSide *after)
{
	if (before->exists != after->exists)
		return true;
	return before->state != after->state ||
		before->has_manager != after->has_manager ||
		(before->has_manager && before->manager_id != after->manager_id);
}

static void
AppendState(StringInfo buf, const char *key, const ClientSide *side)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	if (side->exists)
		appendStringInfo(buf, "\"%s\"", ClientStateName(side->state));
	else
		appendStringInfoString(buf, "null");
}

static void
AppendManager(StringInfo buf, const char *key, const ClientSide *side)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	if (side->exists && side->has_manager)
		appendStringInfo(buf, INT64_FORMAT, side->manager_id);
	else
		appendStringInfoString(buf, "null");
}

void
AnnounceChange(int64 client_id, const ClientSide *before, const ClientSide *after)
{
	StringInfoData buf;
	char		at[MAXDATELEN + 1];

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"client\": " INT64_FORMAT, client_id);
	AppendState(&buf, "from_state", before);
	AppendState(&buf, "to_state", after);
	AppendManager(&buf, "from_manager", before);
	AppendManager(&buf, "to_manager", after);
	JsonEncodeDateTime(at, TimestampTzGetDatum(SalesNow()), TIMESTAMPTZOID, NULL);
	appendStringInfo(&buf, ", \"at\": \"%s\"}", at);
	Async_Notify(EVENTS_CHANNEL, buf.data);
	pfree(buf.data);
}
