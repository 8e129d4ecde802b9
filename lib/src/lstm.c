// SPDX-License-Identifier: MIT
#include <errno.h>

#include "interp.h"

int enpu_lstm_prepare(struct enpu_interp *it, struct ir_op *op, int idx)
{
	(void)it;
	(void)op;
	return enpu_err(-ENOTSUP, "operator %d (UNIDIRECTIONAL_SEQUENCE_LSTM): not implemented", idx);
}

void enpu_lstm_eval(struct enpu_interp *it, struct ir_op *op)
{
	(void)it;
	(void)op;
}
