#pragma once
/// @file client.hpp
/// buildable::Client: emit events and listen for them.

#include <buildable/client_options.hpp>
#include <buildable/emit_batch.hpp>
#include <buildable/emit_result.hpp>
#include <buildable/errors.hpp>
#include <buildable/event_emitter.hpp>
#include <buildable/export.hpp>
#include <buildable/handler.hpp>
#include <buildable/listen_options.hpp>
#include <buildable/message.hpp>
#include <buildable/metrics.hpp>
#include <buildable/stranded.hpp>
#include <buildable/subscription.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace buildable {

namespace detail {
class ClientImpl;
}

/// A connection to Buildable Events. Its publishing side is the EventEmitter interface, which
/// code that only emits can depend on (and tests can replace).
///
/// @par Thread Safety
/// Every member function may be called from any thread concurrently. Handlers run on the
/// client's handler pool (ClientOptions::handler_threads threads), never on the I/O thread
/// and never on the caller's thread. Within one listener, handler calls do not overlap and
/// follow message order (oldest first) unless ListenOptions::max_concurrency is above 1.
/// Different listeners' handlers run concurrently.
///
/// @par Threads
/// Threads start lazily: a client that only calls emit() owns none. The first emit_async()
/// or on() starts one I/O thread (which never runs user code); the handler pool starts
/// within the first on(), so that the first message does not wait for threads to be created.
/// With ClientOptions::log_level `debug` it starts with the I/O thread instead, as the trace
/// lines of asynchronous requests are delivered on it. Either way the calling thread creates
/// the threads; only a thread the system refused then is tried again when work arrives.
///
/// @par Callbacks
/// Handlers, ClientOptions::on_error and ClientOptions::logger all run on the handler pool,
/// and no SDK lock is held while they run, so they may call any member of the client:
/// - emit(), emit_async(), flush(), on(), subscriptions(), metrics(), options(), the
///   stranded-message calls (stranded(), resolve(), resolve_all(), handle_stranded()) and
///   Subscription::status() work as from any other thread.
/// - off() and off_all() remove at once and wait for the removed listeners' running handler
///   calls, except where that wait could never end: the calling handler itself, a handler
///   that is itself waiting in off() (directly or through others) for the caller, and a
///   handler that is closing the client. In those cases they return without waiting; the
///   handler finishes on its own and its result is still recorded (unless it closes the
///   client).
/// - close() works as from any other thread, except that it cannot wait for the callback it
///   is called from; see close(). Called while another close() is under way, it returns at
///   once, since that close() waits for this callback.
///
/// @par Lifecycle
/// close() is idempotent, concurrent calls all return when the one shutdown is over, and the
/// destructor calls it. When close() returns, no handler or on_error call is running and none
/// will run again. A moved-from Client may only be destroyed or assigned.
class BUILDABLE_EXPORT Client : public EventEmitter {
 public:
  /// Validates the options (throws InvalidArgument saying what to fix). Sends nothing.
  explicit Client(ClientOptions options);
  /// Shorthand for a client with this secret and every other option from ClientOptions's
  /// defaults and the environment (see ClientOptions::from_env).
  explicit Client(std::string secret);
  /// Takes over the source client's connections, threads and listeners; nothing is closed or
  /// restarted, and Subscription and ScopedSubscription objects made with the source keep
  /// working with the new client. The source is left moved-from: it may only be destroyed or
  /// assigned.
  ///
  /// @par Thread Safety
  /// Must not run concurrently with any other call on the source.
  Client(Client&&) noexcept;
  /// Closes this client as close() does (so it may wait for running handlers), then takes
  /// over the source's state as the move constructor does. Self-assignment does nothing.
  /// ScopedSubscription objects made with the replaced client then do nothing.
  ///
  /// @par Thread Safety
  /// Must not run concurrently with any other call on this client or on the source.
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  /// Calls close() (see there for what it waits for); a moved-from client does nothing.
  ~Client() override;

  /// Publishes `payload` as event `event` (POST /emit) and returns the new message's key.
  ///
  /// @par Error Handling
  /// Throws InvalidArgument before sending anything when `event` is empty or contains a
  /// control character, `payload` is not a JSON object, nests arrays and objects more than
  /// 511 levels deep (the payload object itself is level 1; with the request's own object
  /// that keeps the body within the 512 levels the SDK accepts in answers and the emulator in
  /// requests) or cannot be serialised (invalid UTF-8), or the body exceeds
  /// ClientOptions::max_body_bytes. The depth is checked without recursion before the
  /// payload is serialised, so a payload of any depth is refused rather than overflowing the
  /// stack. Throws HttpError for a
  /// non-2xx answer, TransportError when no answer came, ProtocolError when the answer was not
  /// `{"key": "..."}`, ClosedError after close().
  ///
  /// @par Idempotency
  /// Retried per ClientOptions::retry, by default only when the service provably did not act
  /// on the request (connection refused, DNS failure, 429, 503), so an emit is never
  /// duplicated by the SDK unless RetryOptions::retry_emit_when_unsure is set.
  EmitResult emit(std::string_view event, const nlohmann::json& payload) override;

  /// Same as emit(event, json) for any type nlohmann::json converts from (a struct with
  /// `to_json`, a map, ...). The converted value must be a JSON object.
  template <class T,
            class = std::enable_if_t<!std::is_convertible_v<const T&, const nlohmann::json&>>>
  EmitResult emit(std::string_view event, const T& payload) {
    return emit(event, nlohmann::json(payload));
  }

  /// Asynchronous emit(): returns once the emit is queued; the future yields the result or
  /// the same exceptions as emit(). All async emits share the client's I/O thread; no thread
  /// is created per call.
  ///
  /// @par Flow Control
  /// At most ClientOptions::max_pending_emits emits, and max_pending_bytes of request bodies,
  /// are pending (accepted, future not yet ready) at once. At a limit, the call waits for room
  /// in arrival order (WhenEmitQueueFull::block, the default; close() ends the wait and the
  /// future yields ClosedError) or throws QueueFullError
  /// (WhenEmitQueueFull::fail). Each body is held once, shared by its attempts, so the memory
  /// of the pending emits stays near max_pending_bytes. Metrics::pending_emits,
  /// emit_queue_waits and emits_refused show the queue. Waiting blocks the calling thread, a
  /// handler's included; the I/O thread that settles emits never runs user code, so the wait
  /// always ends.
  ///
  /// @par Error Handling
  /// Caller mistakes (every check of emit(), the payload's nesting depth included) throw
  /// InvalidArgument right here, before anything is queued; so does QueueFullError. After
  /// close() the future yields ClosedError.
  ///
  /// @par Idempotency
  /// Retried exactly like emit().
  std::future<EmitResult> emit_async(std::string_view event,
                                     const nlohmann::json& payload) override;

  /// Same as emit_async(event, json) for any type nlohmann::json converts from (a struct with
  /// `to_json`, a map, ...). The conversion runs on the caller's thread before anything is
  /// queued, and the converted value must be a JSON object.
  ///
  /// @par Error Handling
  /// Throws InvalidArgument right here for the same caller mistakes as emit(), and whatever
  /// the conversion throws; later failures reach the future as with emit_async(event, json).
  ///
  /// @par Idempotency
  /// Retried exactly like emit().
  template <class T,
            class = std::enable_if_t<!std::is_convertible_v<const T&, const nlohmann::json&>>>
  std::future<EmitResult> emit_async(std::string_view event, const T& payload) {
    return emit_async(event, nlohmann::json(payload));
  }

  /// Publishes many events at once and returns one outcome per event, in the order given.
  /// Each event is an emit_async() of its own: checked, flow-controlled, sent, retried and
  /// counted in Metrics as one, and failing on its own. A caller mistake in one event (every
  /// check of emit()) becomes that event's InvalidArgument outcome and it is not sent; the
  /// others are. The events are handed to the I/O thread together (one wake-up for all those
  /// that find room at once), which makes a batch cheaper per event than as many
  /// emit_async() calls. Waits until every event has an outcome; see emit_batch_async().
  /// Never throws for one event: look at each EmitOutcome.
  ///
  /// @par Flow Control
  /// Every event counts against max_pending_emits and max_pending_bytes like an emit_async().
  /// A batch larger than the room left is handed over in parts: the events admitted so far
  /// are sent, then, with WhenEmitQueueFull::block, the call waits for room for the next one
  /// (so a batch larger than max_pending_emits still goes through); with
  /// WhenEmitQueueFull::fail, each event that finds no room gets QueueFullError as its outcome.
  ///
  /// @par Closing
  /// After close(), or when close() ends it, every event not yet settled gets ClosedError.
  /// flush() waits for the events of batches accepted before it, as for emit_async().
  ///
  /// @par Idempotency
  /// Each event is retried exactly like emit().
  std::vector<EmitOutcome> emit_batch(const std::vector<OutgoingEvent>& events) override;

  /// emit_batch() that returns as soon as every event is queued (or has its outcome); the
  /// future yields the outcomes, in order, once the last event has settled. It may wait for
  /// room as emit_async() does; it never throws for one event.
  std::future<std::vector<EmitOutcome>> emit_batch_async(
      const std::vector<OutgoingEvent>& events) override;

  /// Waits until every emit_async() call accepted before this one has settled: its future is
  /// ready (succeeded, failed after its retries, or ended by close()). Emits accepted during
  /// the wait are not waited for, so a steady stream from other threads cannot keep it
  /// waiting. Returns at once when nothing is pending. Blocking emit() calls are not waited
  /// for. Call it before close() to let queued emits finish: close() ends the ones still
  /// pending with ClosedError (one already in flight may have reached the service).
  void flush();
  /// flush() that gives up after `timeout`. True when everything accepted before the call has
  /// settled, false when the time ran out first.
  bool flush(std::chrono::milliseconds timeout);

  /// Registers `handler` for `event` and starts polling for it.
  ///
  /// Each message is claimed (POST /init) before the handler runs, so among all processes
  /// listening with the same txKey it is handled once; the result is recorded with
  /// POST /transact: `finished` with the handler's return value, or `failed` with the text of
  /// the exception it threw.
  ///
  /// @par Error Handling
  /// Throws InvalidArgument for an empty event name, an empty handler, a platform or label
  /// containing a dot, max_concurrency < 1, or when a listener with the same platform, label,
  /// event and txKey is already registered on this client; ClosedError after close().
  /// Everything that goes wrong later is reported to ClientOptions::on_error, never thrown.
  Subscription on(std::string event, Handler handler, ListenOptions options = {});

  /// Typed listener: the payload is converted to `Payload` with nlohmann's `from_json` and the
  /// handler is called with it (and with the Message if it takes a second parameter). A
  /// payload that does not convert is recorded as a failed transaction.
  template <class Payload, class F>
  Subscription on(std::string event, F handler, ListenOptions options = {}) {
    return on(std::move(event), Handler(typed_handler<Payload>(std::move(handler))),
              std::move(options));
  }

  /// Removes one listener. Returns true when this call removed it; false when it was not
  /// registered, or when another off() or close() is removing it (this call then waits
  /// just the same).
  ///
  /// @par Thread Safety
  /// When off() returns, the listener's handler is not running and will never run again, so
  /// state it captured may be freed; the exceptions are the callback cases in the class
  /// comment ("Callbacks"), such as off() from inside that very handler, which marks the
  /// listener removed and returns without waiting for itself. Messages already claimed but
  /// not yet handled are reported to on_error as `abandoned` and stay `processing` for this
  /// txKey. Subscription::status() says `removed` from then on.
  bool off(const Subscription& subscription);
  /// Removes every listener matching all non-empty fields of `filter`; returns them. Waits
  /// as off(const Subscription&) does.
  std::vector<Subscription> off(const ListenerFilter& filter);
  /// Removes every listener; returns them. Waits as off(const Subscription&) does.
  std::vector<Subscription> off_all();

  /// The listeners currently registered.
  std::vector<Subscription> subscriptions() const;

  /// Lists the stranded messages of `query`: those of event `query.event` whose transaction
  /// for `query.tx_key` is `processing` (see stranded.hpp for how messages get there and
  /// why a message being handled right now looks the same), oldest first.
  ///
  /// Sends POST /query with `txState: "processing"` and walks its pages (ClientOptions::
  /// page_size rows each) until the last one, StrandedQuery::limit messages, the first message
  /// younger than StrandedQuery::min_age, or kMaxStrandedRowsScanned rows. Pages are read one
  /// at a time and only the matching messages are kept, so memory stays within `limit`
  /// messages. The listing is not one snapshot: a message claimed or resolved by someone else
  /// while the pages are read may shift rows between pages, so it may be missed (never listed
  /// twice). A row whose content cannot be decoded is listed with
  /// StrandedMessage::decode_error; a row whose key cannot be used is left out and described
  /// in StrandedList::skipped.
  ///
  /// @par Thread Safety
  /// A blocking call on the calling thread, like emit(); it may be called from a handler or
  /// on_error. close() on another thread aborts it (ClosedError).
  ///
  /// @par Error Handling
  /// Throws InvalidArgument before sending anything when the event name is empty or contains a
  /// control character, the platform or label contains a dot, min_age is negative, or limit
  /// is 0 or above kMaxStrandedLimit. Throws HttpError, TransportError or ProtocolError (an
  /// answer without a `rows` array) when a page cannot be read, ClosedError after close().
  ///
  /// @par Idempotency
  /// Read-only. Each page is retried per ClientOptions::retry, like the listener's polls:
  /// on connection failures, 408, 429, 500, 502, 503 and 504, up to `retry.max_attempts`.
  StrandedList stranded(const StrandedQuery& query);

  /// Ends the transaction of `message` for its txKey (Message::tx_key; empty means
  /// kDefaultTxKey) with POST /transact, recording `resolution`: the request the listener
  /// sends for a handler's result. Takes Message::key and Message::event, so a
  /// StrandedMessage::message or a Message from a handler can be passed as it is.
  ///
  /// @par Thread Safety
  /// A blocking call on the calling thread, like emit(); close() on another thread aborts it
  /// (ClosedError).
  ///
  /// @par Error Handling
  /// Throws InvalidArgument before sending anything when the event name is empty or contains a
  /// control character, the key is empty or unusable (longer than 256 bytes, not printable
  /// ASCII without spaces, or containing the secret), or the output nests deeper than 511
  /// levels, holds invalid UTF-8 or makes a body larger than ClientOptions::max_body_bytes.
  /// Throws HttpError when the service refuses (404 `transaction-not-found`: the message is
  /// not claimed for this txKey), TransportError when no answer came, ClosedError after
  /// close(). Returns a result whose status is ResolveResult::Status::recorded or
  /// `already_ended` (409: the transaction had already ended), never `error`.
  ///
  /// @par Idempotency
  /// Retried like the listener's records: on connection failures, 408, 429, 500, 502, 503 and
  /// 504 until `retry.max_total_time` has passed; a 409 after a retry may mean the earlier
  /// attempt landed (ResolveResult::Status::already_ended, attempts > 1).
  ResolveResult resolve(const Message& message, const Resolution& resolution);
  /// resolve(const Message&, const Resolution&) for message `key` of event `event` and txKey
  /// `tx_key` (empty: kDefaultTxKey), when only the key is at hand (an on_error report's
  /// ListenerError::message_key, a key on a command line).
  ResolveResult resolve(std::string_view event, std::string_view key, const Resolution& resolution,
                        std::string_view tx_key = {});

  /// Resolves every message stranded() lists for `query` with the same `resolution`, one
  /// after the other, oldest first. Returns one result per listed message, in that order;
  /// a message that could not be resolved has ResolveResult::Status::error with the
  /// exception, and the others are still tried, so one failure hides none of them.
  ///
  /// At most StrandedQuery::limit messages per call. Resolved messages drop out of the
  /// query, so to resolve more, call again with the same query until a call returns no
  /// result that is ok() (an empty vector included; stopping when nothing succeeds keeps a
  /// message that keeps failing from looping forever).
  ///
  /// @par Thread Safety
  /// A blocking call on the calling thread; close() on another thread ends it: the message
  /// being resolved and the ones left get ClosedError results.
  ///
  /// @par Error Handling
  /// Throws what stranded() throws for `query` (nothing is resolved then), and InvalidArgument
  /// before anything is sent for an output resolve() would refuse. Errors of single messages
  /// are returned, not thrown.
  ///
  /// @par Idempotency
  /// Each message is recorded as resolve() records it.
  std::vector<ResolveResult> resolve_all(const StrandedQuery& query, const Resolution& resolution);

  /// Hands every message stranded() lists for `query` to `handler` again, on the calling
  /// thread, one at a time, oldest first, and records each outcome as a listener does:
  /// `finished` with the return value, `failed` with the exception's text (secret redacted),
  /// `failed` with the reason when the result cannot be sent (nested past 511 levels, invalid
  /// UTF-8, or a record body over ClientOptions::max_body_bytes), and, without calling the
  /// handler, `failed` for a message whose content cannot be decoded
  /// (StrandedMessage::decode_error). This is what turns the at-most-once delivery of a
  /// txKey into at-least-once: a handler may run a second time for a message whose first run
  /// did its work but could not record it.
  ///
  /// Returns one result per listed message, in that order (see resolve_all(): at most
  /// StrandedQuery::limit per call, call again for more). Handler failures are part of the
  /// results (status `recorded`, state `failed`); they are not reported to
  /// ClientOptions::on_error, and the handler is not counted in metrics().
  ///
  /// @par Thread Safety
  /// A blocking call: the handler runs on the calling thread, never concurrently with itself,
  /// and may call any member of the client. After close() (called from the handler or
  /// another thread) no further handler call starts: the messages left get ClosedError
  /// results, and a result whose record was aborted stays unrecorded (the message stays
  /// `processing`).
  ///
  /// @par Error Handling
  /// Throws InvalidArgument for an empty handler and whatever stranded() throws for `query`
  /// (nothing is handled then). Everything else is returned per message.
  ///
  /// @par Idempotency
  /// Each result is recorded as resolve() records it.
  std::vector<ResolveResult> handle_stranded(const StrandedQuery& query, Handler handler);

  /// Shuts the client down, in this order: no poll and no claim is sent any more; claims
  /// already sent are answered (or time out); claimed messages may start their handler until
  /// ClientOptions::shutdown_timeout, and the rest are reported `abandoned`; running handlers
  /// are waited for; their results get ClientOptions::request_timeout to be recorded; what is
  /// still in flight is aborted (a claim then as `claim_ambiguous`, a result as `record`);
  /// every report still queued is delivered to on_error; the threads are joined. So every
  /// message this client claimed ends recorded or reported to on_error with its key.
  /// Idempotent: a concurrent call waits for the same shutdown to finish.
  ///
  /// @par Thread Safety
  /// When close() returns, no handler or on_error call runs and none will run again, and the
  /// SDK touches nothing of the client any more. Called from inside a handler (or on_error),
  /// it does all of the above but cannot wait for its own caller: the reports still queued
  /// are delivered on the calling thread before it returns (so on_error may be called from
  /// within close()), the calling handler's message is reported `abandoned` because its
  /// result can no longer be recorded (it stays `processing` for its txKey), and the client
  /// may be destroyed as soon as close() returns, provided no other thread still uses it.
  void close();

  /// The options in effect (validated, secret included: do not log them with anything but
  /// operator<<).
  const ClientOptions& options() const;

  /// A snapshot of the client's counters (emits, failures, retries, claims, dispatched
  /// messages, handler failures and time, outstanding messages, dropped reports) for export
  /// to a metrics system.
  Metrics metrics() const;

 private:
  template <class Payload, class F>
  static auto typed_handler(F f) {
    return [f = std::move(f)](const Message& m) -> nlohmann::json {
      Payload typed = m.payload.get<Payload>();
      if constexpr (std::is_invocable_v<F&, const Payload&, const Message&>) {
        return invoke_to_json(f, typed, m);
      } else {
        return invoke_to_json(f, typed);
      }
    };
  }
  template <class F, class... Args>
  static nlohmann::json invoke_to_json(F& f, Args&&... args) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Args...>>) {
      f(std::forward<Args>(args)...);
      return nullptr;
    } else {
      return f(std::forward<Args>(args)...);
    }
  }

  friend class detail::ClientImpl;
  explicit Client(std::shared_ptr<detail::ClientImpl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace buildable
