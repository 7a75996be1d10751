/*
 * values.h
 *	  The values of client_size and client_state, in sort order: a value's
 *	  number is its byte on disk.  Plain C, so that the fuzz test of the
 *	  input functions can use it outside the server.
 */
#ifndef SALESALGO_VALUES_H
#define SALESALGO_VALUES_H

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

#endif							/* SALESALGO_VALUES_H */
