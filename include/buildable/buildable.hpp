#pragma once
/// @file buildable.hpp
/// Umbrella header: everything a user of the SDK needs.

#include <buildable/client.hpp>
#include <buildable/client_options.hpp>
#include <buildable/emit_batch.hpp>
#include <buildable/emit_result.hpp>
#include <buildable/errors.hpp>
#include <buildable/event_emitter.hpp>
#include <buildable/handler.hpp>
#include <buildable/listen_options.hpp>
#include <buildable/listener_error.hpp>
#include <buildable/listener_status.hpp>
#include <buildable/log.hpp>
#include <buildable/message.hpp>
#include <buildable/metrics.hpp>
#include <buildable/retry_options.hpp>
#include <buildable/stranded.hpp>
#include <buildable/subscription.hpp>
#include <buildable/verify.hpp>
#include <buildable/version.hpp>
