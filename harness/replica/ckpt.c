/* replica/ckpt.c — the checkpoint rules of docs/design.md §3 as pure functions (see ckpt.h). */
#include "replica/ckpt.h"

uint64_t drill_ckpt_schedule(uint64_t ordered_sn)
{
	return (ordered_sn / DRILL_BFT_CHECKPOINT_WINDOW + 1) * DRILL_BFT_CHECKPOINT_WINDOW;
}

enum drill_ckpt_reason drill_ckpt_decide(const struct drill_ckpt_config *cfg,
					 const struct drill_ckpt_state *st, uint64_t sn,
					 uint64_t ts_ms, uint64_t last_block, int id_exists)
{
	if (!cfg->enabled || sn == 0 || sn % DRILL_BFT_CHECKPOINT_WINDOW != 0)
		return DRILL_CKPT_NONE;
	if (last_block == 0 || id_exists)
		return DRILL_CKPT_NONE;
	if (st->scheduled_seq != 0 && st->scheduled_seq == sn)
		return DRILL_CKPT_OPERATOR;
	/* Both must hold; a clock or sequence that went backwards counts as no progress. */
	uint64_t seq_gap = sn >= st->last_seq ? sn - st->last_seq : 0;
	uint64_t ms_gap = ts_ms >= st->last_ts_ms ? ts_ms - st->last_ts_ms : 0;
	uint64_t interval_ms = cfg->interval_s > UINT64_MAX / 1000 ? UINT64_MAX
								     : cfg->interval_s * 1000;
	if (seq_gap >= cfg->window && ms_gap >= interval_ms)
		return DRILL_CKPT_PERIODIC;
	return DRILL_CKPT_NONE;
}

void drill_ckpt_taken(struct drill_ckpt_state *st, uint64_t sn, uint64_t ts_ms)
{
	st->last_seq = sn;
	st->last_ts_ms = ts_ms;
	if (st->scheduled_seq != 0 && st->scheduled_seq <= sn)
		st->scheduled_seq = 0;
}

size_t drill_ckpt_prune_count(const struct drill_ckpt_config *cfg, size_t n)
{
	size_t keep = cfg->keep ? cfg->keep : 1;
	return n > keep ? n - keep : 0;
}

int drill_ckpt_low_disk(uint64_t volume_size, uint64_t used, uint64_t db_size,
			uint32_t threshold_pct)
{
	if (volume_size == 0)
		return 0; /* no size known: no pressure */
	uint64_t avail = volume_size > used ? volume_size - used : 0;
	/* avail < db_size * pct / 100, without overflow or rounding: compare avail*100 with db*pct */
	__extension__ unsigned __int128 lhs = (unsigned __int128)avail * 100u;
	__extension__ unsigned __int128 rhs = (unsigned __int128)db_size * threshold_pct;
	return lhs < rhs;
}
