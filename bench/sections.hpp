#pragma once
/// @file sections.hpp
/// The benchmark's sections, one file each under sections/ (README.md says what each
/// measures). Each adds its rows, notes and details to `ctx.report`.

#include "harness.hpp"

namespace bench {

void section_emit(Context& ctx);        // emit(), one thread (P1)
void section_concurrent(Context& ctx);  // emit_async() at each level in flight (P2)
void section_drain(Context& ctx);       // a listener draining a backlog (P3)
void section_latency(Context& ctx);     // emit -> handler, claim answered -> handler (P4)
void section_scale(Context& ctx);       // idle listeners on one client (P5)
void section_memory(Context& ctx);      // peak memory against hostile servers (T1)
void section_soak(Context& ctx);        // resources over a long run (P6)

}  // namespace bench
