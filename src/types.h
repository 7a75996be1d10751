/*
 * types.h
 *	  client_size and client_state: the book's two closed lists, as one-byte
 *	  pass-by-value types whose byte is the value's position in sort order.
 */
#ifndef SALESALGO_TYPES_H
#define SALESALGO_TYPES_H

#include "postgres.h"

typedef enum ClientSize
{
	CLIENT_SIZE_NONPROFILE,
	CLIENT_SIZE_SMALL,
	CLIENT_SIZE_MEDIUM,
	CLIENT_SIZE_LARGE
} ClientSize;

#define CLIENT_SIZE_COUNT	(CLIENT_SIZE_LARGE + 1)

typedef enum ClientState
{
	CLIENT_STATE_NEW,
	CLIENT_STATE_CONTACT_1,
	CLIENT_STATE_CONTACT_2,
	CLIENT_STATE_CONTACT_3,
	CLIENT_STATE_DEAL,
	CLIENT_STATE_DEAL_SUPPORT,
	CLIENT_STATE_CLIENT,
	CLIENT_STATE_STRATEGIC_RESERVE,
	CLIENT_STATE_RECALL,
	CLIENT_STATE_REFUSAL
} ClientState;

#define CLIENT_STATE_COUNT	(CLIENT_STATE_REFUSAL + 1)

#define DatumGetClientSize(d)	((ClientSize) (uint8) DatumGetChar(d))
#define DatumGetClientState(d)	((ClientState) (uint8) DatumGetChar(d))
#define ClientStateGetDatum(v)	CharGetDatum((char) (v))

/* The worklist states: a manager works these by the algorithm. */
static inline bool
ClientStateInWorklist(ClientState state)
{
	return state <= CLIENT_STATE_CONTACT_3;
}

/* The English name, as the output function prints it. */
extern const char *ClientStateName(ClientState state);

#endif							/* SALESALGO_TYPES_H */
