/*
 * deadline.c
 *	  salesalgo.extend_deadline(): the one way to move a deadline (R8).
 *
 * "The maximum deal length must exist.  It leaves the manager no choice."
 * So a deadline is moved only by this function, which is not granted to
 * PUBLIC, needs a reason, and leaves a history row that says who moved it,
 * when, and why.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "statement.h"
#include "types.h"

PG_FUNCTION_INFO_V1(extend_deadline);
Datum
extend_deadline(PG_FUNCTION_ARGS)
{
	int64		client_id;
	TimestampTz new_deadline;
	char	   *reason;
	Oid			argtypes[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		values[2];
	bool		isnull;
	ClientState state;
	SalesStatement *stmt;
	StatementOrders *orders;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("extend_deadline needs a client and a new deadline")));
	client_id = PG_GETARG_INT64(0);
	new_deadline = PG_GETARG_TIMESTAMPTZ(1);
	reason = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (reason == NULL || strspn(reason, " \t\r\n") == strlen(reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("moving the deadline of client " INT64_FORMAT " needs a reason",
						client_id),
				 errhint("Say why in the third argument; it is kept in salesalgo.client_history.note.")));
	if (TIMESTAMP_NOT_FINITE(new_deadline))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a deadline must be a finite time")));
	/* a deadline already passed would expire the client: that is no extension */
	if (new_deadline <= SalesNow())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the new deadline of client " INT64_FORMAT " is not in the future",
						client_id),
				 /* timestamptz_to_str() returns a static buffer: copy the first */
				 errdetail("It is %s; the time is now %s.",
						   pstrdup(timestamptz_to_str(new_deadline)),
						   timestamptz_to_str(SalesNow())),
				 errhint("extend_deadline() only extends; a client whose time is up is expired by sales_expire().")));

	values[0] = Int64GetDatum(client_id);
	values[1] = TimestampTzGetDatum(new_deadline);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* lock the client, so that the check below still holds at the update */
	if (SPI_execute_with_args("SELECT state, deadline_at FROM salesalgo.client"
							  " WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
							  1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read client " INT64_FORMAT, client_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("client " INT64_FORMAT " does not exist", client_id)));
	state = DatumGetClientState(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull));
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("client " INT64_FORMAT " has no deadline to move", client_id),
				 errdetail("The client is in %s%s; a deadline runs only while a client is in a worklist.",
						   ClientStateName(state),
						   ClientStateInWorklist(state) ? " and no manager has taken it yet" : ""),
				 ClientStateInWorklist(state) ?
				 errhint("Assign the client to a manager first.") :
				 errhint("A client moved back into a worklist state gets a new deadline.")));

	/* the update below, and nothing it runs in turn, may move this deadline */
	stmt = CurrentStatement();
	orders = PushOrders(stmt);
	orders->source = "extend_deadline";
	orders->note = reason;
	orders->deadline_sanctioned = true;
	orders->deadline_client = client_id;
	PG_TRY();
	{
		if (SPI_execute_with_args("UPDATE salesalgo.client SET deadline_at = $2"
								  " WHERE id OPERATOR(pg_catalog.=) $1",
								  2, argtypes, values, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not move the deadline of client " INT64_FORMAT, client_id);
	}
	PG_FINALLY();
	{
		PopOrders(stmt, orders);
	}
	PG_END_TRY();

	SPI_finish();
	PG_RETURN_VOID();
}
