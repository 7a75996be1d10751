/*
 * types.h
 *	  client_size and client_state: the book's two closed lists, as one-byte
 *	  pass-by-value types whose byte is the value's position in sort order.
 */
#ifndef SALESALGO_TYPES_H
#define SALESALGO_TYPES_H

#include "postgres.h"

#include "values.h"


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
