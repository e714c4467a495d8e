#include "detail/support/json_writer.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "detail/support/json_depth.hpp"
#include "nested_json.hpp"

namespace {

using buildable::detail::append_json;
using nlohmann::json;

std::string written(const json& value) {
  std::string out = "prefix:";  // appended, never replaced
  append_json(out, value);
  return out.substr(7);
}

TEST(JsonWriter, WritesWhatDumpWritesForEveryKindOfValue) {
  const json cases[] = {
      json::object(),
      json::array(),
      json(nullptr),
      json(true),
      json(false),
      json(0),
      json(-1),
      json(std::numeric_limits<std::int64_t>::min()),
      json(std::numeric_limits<std::int64_t>::max()),
      json(std::numeric_limits<std::uint64_t>::max()),
      json(0.0),
      json(-0.0),
      json(1.0),
      json(0.1),
      json(99.5),
      json(-1.5e-300),
      json(1e300),
      json(std::numeric_limits<double>::quiet_NaN()),
      json(std::numeric_limits<double>::infinity()),
      json(""),
      json("plain text"),
      json("quote \" backslash \\ slash /"),
      json("tab\tnewline\ncontrol\x01 del\x7f"),
      json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
      json{{"b", 1}, {"a", {{"nested", json::array({1, "two", nullptr, 3.5})}}}},
      json{{"key with \"quotes\"", "v"}, {"\xc3\xa9", false}},
      json::binary({1, 2, 3}),
  };
  for (const json& value : cases) {
    EXPECT_EQ(written(value), value.dump()) << value.dump();
  }
}

// Random trees of every kind of value, strings drawn from bytes that need escaping, multi-byte
// characters and plain text: the writer must agree with dump() on every one.
json random_value(std::mt19937_64& random, int depth) {
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  static const std::string pieces[] = {"a",
                                       "Z9",
                                       " ",
                                       "\"",
                                       "\\",
                                       "\n",
                                       "\x1f",
                                       "\x7f",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "/"};
  const auto text = [&] {
    std::string s;
    for (int i = pick(6); i > 0; --i)
      s += pieces[pick(static_cast<int>(std::size(pieces)))];
    return s;
  };
  switch (depth > 3 ? pick(6) : pick(8)) {
    case 0:
      return nullptr;
    case 1:
      return pick(2) == 0;
    case 2:
      return static_cast<std::int64_t>(random());
    case 3:
      return static_cast<std::uint64_t>(random());
    case 4: {
      const double bits = std::ldexp(static_cast<double>(random() % 1000000), pick(200) - 100);
      return pick(2) == 0 ? bits : -bits;
    }
    case 5:
      return text();
    case 6: {
      json array = json::array();
      for (int i = pick(4); i > 0; --i)
        array.push_back(random_value(random, depth + 1));
      return array;
    }
    default: {
      json object = json::object();
      for (int i = pick(4); i > 0; --i)
        object[text()] = random_value(random, depth + 1);
      return object;
    }
  }
}

TEST(JsonWriter, AgreesWithDumpOnRandomValues) {
  std::mt19937_64 random(20261203);
  for (int i = 0; i < 5000; ++i) {
    const json value = random_value(random, 0);
    ASSERT_EQ(written(value), value.dump()) << "case " << i;
  }
}

TEST(JsonWriter, RefusesInvalidUtf8AsDumpDoes) {
  const json values[] = {json("bad \xff byte"), json{{"k", "\xc3"}}, json{{"\xfe", 1}},
                         json::array({"ok", "\xed\xa0\x80"})};
  for (const json& value : values) {
    std::string out;
    EXPECT_THROW(append_json(out, value), json::type_error)
        << value.dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_THROW((void)value.dump(), json::type_error);
  }
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BUILDABLE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BUILDABLE_SANITIZED 1
#endif
#endif

// The writer recurses once per level. A payload at the SDK's depth limit must fit a small
// thread stack (coroutines, musl's 128 KiB default), as it did with nlohmann's serializer,
// which needed about 70 KiB for 511 levels; the first version of this writer needed 111 KiB.
// A stack too small crashes the test. Sanitizers make every frame far larger: not checked.
TEST(JsonWriter, APayloadAtTheDepthLimitFitsASixtyFourKibStack) {
#ifdef BUILDABLE_SANITIZED
  GTEST_SKIP() << "sanitizers enlarge stack frames";
#else
  struct Work {
    json arrays = buildable::testing::nested_arrays(buildable::detail::kMaxSentJsonDepth);
    json objects = buildable::testing::nested_objects(buildable::detail::kMaxSentJsonDepth);
    std::string arrays_text;
    std::string objects_text;
  } work;
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, 64 * 1024), 0);
  pthread_t thread;
  const auto run = [](void* argument) -> void* {
    auto& w = *static_cast<Work*>(argument);
    append_json(w.arrays_text, w.arrays);
    append_json(w.objects_text, w.objects);
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attributes, run, &work), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attributes);
  EXPECT_EQ(work.arrays_text, work.arrays.dump());
  EXPECT_EQ(work.objects_text, work.objects.dump());
#endif
}

}  // namespace
