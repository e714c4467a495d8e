#pragma once
/// @file setup.hpp
/// Before the sections run: priority, the servers in child processes, the SDK's defaults the
/// baselines copy, and the run's metadata.

#include <memory>
#include <vector>

#include "harness.hpp"

namespace bench {

/// Owns the emulator children started for the run: they stop when it is destroyed.
using ServerChildren = std::vector<std::shared_ptr<void>>;

/// Applies --nice, noting a refusal.
void apply_nice(Context& ctx);

/// Starts the fast server (into ctx.fast) and the emulators the chosen sections need (their
/// URLs into ctx), each pinned to `server_cpu` when it is >= 0. Call it while this process
/// has no other thread: the servers are forked.
ServerChildren start_servers(Context& ctx, int server_cpu);

/// Copies the SDK's defaults (user agent, page size, poll interval, handler pool) into ctx,
/// so that the baselines do what the SDK does.
void adopt_sdk_defaults(Context& ctx);

/// Records the run's metadata in the report and prints the run's first line.
void record_meta(Context& ctx, bool pinned);

}  // namespace bench
