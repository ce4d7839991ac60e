// The op table: every op of the program language is one row of CTXCHECK_OPS, and every part
// of the harness that handles ops in general reads it: the text parser and printer
// (text.cpp), the validator (program.cpp), the byte decoder, encoder and tokenizer
// (decode.cpp), the generator (generate.cpp), the enumerator (explore/enumerate.cpp) and the
// Go exporter's version check (export/go_export.cpp). An op's own meaning lives in two more
// places only: its interpreter case (executor) and its Go case (export/go_export.cpp). So a
// new op is a row here plus those two cases; the generator and the enumerator fill it from
// its row unless it wants a policy of its own (as cancel, wait or drop have there).
//
// A row: id, text name, the handle it yields, flags (blocks: a wait the scheduler may run
// others across; unsafe: allowed only with `unsafe: on`), the Go minor version and API it
// needs beyond Go 1.19, and its arguments in text order. Argument kinds say where they live
// in Op, how they read and print, and how they are coded as bytes. The byte grammar is the
// text order with the handle operands moved behind the other arguments (see decode.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ctxcheck::harness {

// What a handle names, derived from the op that creates it.
enum class HandleKind : uint8_t { None, Context, CancelableContext, CauseContext, StopFunc };
bool is_context(HandleKind k);
bool is_cancelable(HandleKind k);  // a context with a cancel func (any kind)

// What a handle operand must be. CancelFunc (in the table only): Cancelable, or
// CauseContext when the op passes a cause.
enum class Need : uint8_t { None, Context, Cancelable, CauseContext, Stop, CancelFunc };
bool fits(Need need, HandleKind k);

// What an op's handle is, in the row: Custom yields a cancelable context only for an
// afterfuncer (its AfterFunc method gives the program a cancel func).
enum class Yields : uint8_t { Nothing, Context, CancelableContext, CauseContext, StopFunc, ByCustomKind };

// The Go API a construct needs beyond Go 1.19 (minor 0: none).
struct GoNeed {
  int minor = 0;
  std::string_view api;
};

// Sub-kinds: their text names (the byte decoder reduces a byte modulo their number) and the
// Go they need.
struct SubKindSpec {
  std::string_view name;
  GoNeed go{};
};
// string: the context's String() (Go 1.19's valueCtx prints "type T, val <not Stringer>").
enum class Observe : uint8_t { Err, Cause, Deadline, Done, Children, Value, Goroutines, String };
inline constexpr SubKindSpec kObserveKinds[] = {
    {"err"},   {"cause", {20, "context.Cause"}}, {"deadline"}, {"done"}, {"children"}, {"value"}, {"goroutines"},
    {"string", {21, "the String() of Go 1.21's contexts (stringify of a value's key and value, stopCtx)"}}};
enum class CustomKind : uint8_t { Wrapper, OwnDone, AfterFuncer, BrokenErr };
inline constexpr SubKindSpec kCustomKinds[] = {
    {"wrapper"},
    {"own_done"},
    {"afterfuncer", {21, "a parent Context with an AfterFunc method (propagateCancel uses it since 1.21)"}},
    {"broken_err"}};
enum class Action : uint8_t { Nop, Cancel };  // what an AfterFunc's f does
inline constexpr SubKindSpec kActionKinds[] = {{"nop"}, {"cancel"}};

// What passing a cause to a cancel func needs (an OptCause argument that is set).
inline constexpr GoNeed kCancelCauseGoNeed{20, "a CancelCauseFunc (context.WithCancelCause)"};

inline std::string_view name_of(Observe o) { return kObserveKinds[static_cast<size_t>(o)].name; }
inline std::string_view name_of(CustomKind c) { return kCustomKinds[static_cast<size_t>(c)].name; }
inline std::string_view name_of(Action a) { return kActionKinds[static_cast<size_t>(a)].name; }

// Limits of the language, named once.
namespace limits {
inline constexpr size_t kMaxScripts = 64;            // main included
inline constexpr size_t kMaxOps = 10000;             // in a whole program
inline constexpr uint32_t kMaxHandle = 100000;       // h1..h100000
inline constexpr int64_t kMaxTextDuration = 3'600'000'000'000'000;  // 1000 hours, in ns
inline constexpr int32_t kFirstCause = 3;            // cause3, ...: 1 and 2 are Canceled, DeadlineExceeded
inline constexpr int32_t kMaxCause = 1000000;
inline constexpr int64_t kMaxGlobal = 1000;          // g0..g1000
inline constexpr int kKeyTypes = 26;                 // keyA..keyZ
inline constexpr uint64_t kMaxStepLimit = 100'000'000;  // the largest `max-steps:` (and --max-steps)
// The byte decoder's smaller spaces: rebinding a key, shadowing it with another type and
// looking it up again are all likely.
inline constexpr size_t kMaxDecodedOps = 256;
inline constexpr size_t kMaxDecodedScripts = 8;
inline constexpr uint64_t kMaxDecodedDuration = 3'600'000'000'000ULL;  // one hour
inline constexpr int32_t kDecodedCauses = 64;        // cause3..cause66
inline constexpr uint8_t kDecodedKeyTypes = 4, kDecodedKeyValues = 8;
inline constexpr int64_t kMaxDecodedValue = 1000000000;  // |value|
inline constexpr uint8_t kDecodedGlobals = 8;        // g0..g7
}  // namespace limits

// An op's argument: which Op field it fills, and in which ops it is present.
enum class Field : uint8_t {
  None,
  A,           // first handle operand (parent, target): " hN"
  B,           // second handle operand (after_func's cancel target, reparent's parent)
  Duration,    // relative time: " 5ms"
  Deadline,    // absolute time since the epoch: " @5ms"
  Cause,       // " causeN"
  OptCause,    // " causeN" or nothing
  Key,         // " keyA:3"
  Value,       // " 42" (with_value's value)
  Script,      // " 1" (the script a go starts)
  Slot,        // " g0" (a global)
  Observe,     // a sub-kind: kObserveKinds
  Custom,      // a sub-kind: kCustomKinds
  Action,      // a sub-kind: kActionKinds
  CancelWord,  // the literal " cancel" (defer cancel hN)
};
enum class When : uint8_t { Always, NotGoroutines, ObservesValue, ActionCancels };
struct ArgSpec {
  Field field = Field::None;
  Need need = Need::None;  // handle operands only
  When when = When::Always;
  constexpr bool is_handle() const { return field == Field::A || field == Field::B; }
};

// The arguments rows are made of. Handle operands:
inline constexpr ArgSpec kCtxA{Field::A, Need::Context}, kCancelA{Field::A, Need::CancelFunc},
    kStopA{Field::A, Need::Stop}, kObservedA{Field::A, Need::Context, When::NotGoroutines},
    kCtxB{Field::B, Need::Context}, kCancelTargetB{Field::B, Need::Cancelable, When::ActionCancels};
// The others:
inline constexpr ArgSpec kDuration{Field::Duration}, kDeadline{Field::Deadline}, kCause{Field::Cause},
    kOptCause{Field::OptCause}, kKey{Field::Key}, kObservedKey{Field::Key, Need::None, When::ObservesValue},
    kValue{Field::Value}, kScript{Field::Script}, kSlot{Field::Slot}, kObserveKind{Field::Observe},
    kCustomKind{Field::Custom}, kAction{Field::Action}, kCancelWord{Field::CancelWord};

inline constexpr uint8_t kBlocks = 1, kUnsafe = 2;

// clang-format off
//  id                 text name              yields             flags    Go  API beyond 1.19                        arguments (text order)
#define CTXCHECK_OPS(X) \
  X(Background,        "background",          Context,           0,        0, "",                                     ) \
  X(Todo,              "todo",                Context,           0,        0, "",                                     ) \
  X(WithCancel,        "with_cancel",         CancelableContext, 0,        0, "",                                     kCtxA) \
  X(WithCancelCause,   "with_cancel_cause",   CauseContext,      0,       20, "context.WithCancelCause",              kCtxA) \
  X(WithTimeout,       "with_timeout",        CancelableContext, 0,        0, "",                                     kCtxA, kDuration) \
  X(WithTimeoutCause,  "with_timeout_cause",  CancelableContext, 0,       21, "context.WithTimeoutCause",             kCtxA, kDuration, kCause) \
  X(WithDeadline,      "with_deadline",       CancelableContext, 0,        0, "",                                     kCtxA, kDeadline) \
  X(WithDeadlineCause, "with_deadline_cause", CancelableContext, 0,       21, "context.WithDeadlineCause",            kCtxA, kDeadline, kCause) \
  X(WithValue,         "with_value",          Context,           0,        0, "",                                     kCtxA, kKey, kValue) \
  X(WithoutCancel,     "without_cancel",      Context,           0,       21, "context.WithoutCancel",                kCtxA) \
  X(Custom,            "custom",              ByCustomKind,      0,        0, "",                                     kCustomKind, kCtxA) \
  X(AfterFunc,         "after_func",          StopFunc,          0,       21, "context.AfterFunc",                    kCtxA, kAction, kCancelTargetB) \
  X(Cancel,            "cancel",              Nothing,           0,        0, "",                                     kCancelA, kOptCause) \
  X(DeferCancel,       "defer",               Nothing,           0,        0, "",                                     kCancelWord, kCancelA, kOptCause) \
  X(Stop,              "stop",                Nothing,           0,       21, "the stop func of context.AfterFunc",   kStopA) \
  X(Go,                "go",                  Nothing,           0,        0, "",                                     kScript) \
  X(Wait,              "wait",                Nothing,           kBlocks,  0, "",                                     kCtxA) \
  X(Select,            "select",              Nothing,           kBlocks,  0, "",                                     kCtxA, kDuration) \
  X(Sleep,             "sleep",               Nothing,           kBlocks,  0, "",                                     kDuration) \
  X(Yield,             "yield",               Nothing,           0,        0, "",                                     ) \
  X(Observe,           "observe",             Nothing,           0,        0, "",                                     kObserveKind, kObservedA, kObservedKey) \
  X(Drop,              "drop",                Nothing,           0,        0, "",                                     kCtxA) \
  X(Store,             "store",               Nothing,           0,        0, "",                                     kSlot, kCtxA) \
  X(SetFinalizer,      "set_finalizer",       Nothing,           0,        0, "",                                     kCtxA) \
  X(Gc,                "gc",                  Nothing,           0,        0, "",                                     ) \
  X(Reparent,          "reparent",            Nothing,           kUnsafe,  0, "",                                     kCtxA, kCtxB) \
  X(Keep,              "keep",                Nothing,           0,        0, "",                                     kCtxA)
// clang-format on

enum class OpKind : uint8_t {
#define CTXCHECK_X(id, ...) id,
  CTXCHECK_OPS(CTXCHECK_X)
#undef CTXCHECK_X
};

inline constexpr size_t kMaxArgs = 4;
struct OpSpec {
  std::string_view name;
  Yields yields;
  uint8_t flags;
  GoNeed go;
  std::array<ArgSpec, kMaxArgs> args;  // text order; Field::None after the last
  constexpr bool blocks() const { return (flags & kBlocks) != 0; }
  constexpr bool unsafe() const { return (flags & kUnsafe) != 0; }
  constexpr bool creates_handle() const { return yields != Yields::Nothing; }
  constexpr bool has(Field f) const {
    for (const ArgSpec& a : args)
      if (a.field == f) return true;
    return false;
  }
};

inline constexpr OpSpec kOpSpecs[] = {
#define CTXCHECK_X(id, name, yields, flags, minor, api, ...) \
  OpSpec{name, Yields::yields, flags, GoNeed{minor, api}, {__VA_ARGS__}},
    CTXCHECK_OPS(CTXCHECK_X)
#undef CTXCHECK_X
};
inline constexpr size_t kNumOpKinds = std::size(kOpSpecs);

constexpr const OpSpec& op_spec(OpKind k) { return kOpSpecs[static_cast<size_t>(k)]; }
inline std::string_view op_name(OpKind k) { return op_spec(k).name; }
std::optional<OpKind> op_by_name(std::string_view s);
inline bool creates_handle(OpKind k) { return op_spec(k).creates_handle(); }
inline bool blocks(OpKind k) { return op_spec(k).blocks(); }

// A value key: of one of the program's own (unexported) key types, keyA..keyZ with an
// int32, or of a built-in type (`int:3`, `string:"user"`: what staticcheck SA1029 warns
// about). A string is 1 to 12 of a-z, 0-9 and _, coded as a number (encode_word).
inline constexpr uint8_t kIntKeyType = limits::kKeyTypes, kStringKeyType = limits::kKeyTypes + 1;
struct ValueKey {
  uint8_t type = 0;  // 0..25 printed as keyA..keyZ; kIntKeyType, kStringKeyType
  int64_t value = 0;
  bool builtin() const { return type >= kIntKeyType; }
  friend bool operator==(const ValueKey&, const ValueKey&) = default;
};
// The type of with_value's value: an int (`42`) or a string (`string:"bob"`).
enum class ValueType : uint8_t { Int, String };
inline constexpr size_t kMaxWordChars = 12;
std::optional<int64_t> encode_word(std::string_view s);  // nullopt: not 1..12 of [a-z0-9_]
std::string decode_word(int64_t v);
std::string key_text(const ValueKey& k);                 // keyA:3, int:3, string:"user"
std::string value_text(ValueType t, int64_t v);          // 42, string:"bob"
std::string_view type_name(ValueType t);                 // int, string

// What `observe string` prints for the program's own Go types, as the exported test
// declares them in its default package (the Go helpers print their package as this one):
// a custom context's type name, and the context package's stringify of a key and a value
// (a type without a String method prints its type's name, a string itself).
inline constexpr std::string_view kGoTestPackage = "ctxcheck_test";
std::string go_type_name(CustomKind c);                 // *ctxcheck_test.ctxcheckWrapper
std::string go_stringify(const ValueKey& k);            // ctxcheck_test.ctxcheckKeyA, int, user
std::string go_stringify(ValueType t, int64_t v);       // int, bob

// One op. Only the fields of its row's arguments are set; the others stay zero.
struct Op {
  OpKind kind = OpKind::Yield;
  uint32_t result = 0;    // handle created (0 = none)
  uint32_t a = 0;         // first handle operand (parent, target)
  uint32_t b = 0;         // second handle operand (after_func's cancel target, reparent's parent)
  int64_t duration = 0;   // with_timeout*, select, sleep (ns)
  int64_t deadline = 0;   // with_deadline* (ns since the epoch)
  int64_t value = 0;      // with_value
  int64_t script = 0;     // go: the script it starts
  int64_t slot = 0;       // store: the global gN
  int32_t cause = 0;      // cause error number (0 = none; printed causeN, N >= kFirstCause)
  ValueKey key{};
  ValueType value_type = ValueType::Int;  // with_value
  Observe observe = Observe::Err;
  CustomKind custom = CustomKind::Wrapper;
  Action action = Action::Nop;
  friend bool operator==(const Op&, const Op&) = default;
};

// Whether `arg` is present in `op` (it may depend on a sub-kind read before it).
bool present(const ArgSpec& arg, const Op& op);
// The need of a handle operand in `op` (CancelFunc resolved by op's cause), and its words.
Need need_of(const ArgSpec& arg, const Op& op);
std::string_view describe(Need need);  // "a context with a cancel func"
// The op's numeric argument that shrinking may simplify (duration, deadline or value), or
// null; numbers that name things (script, slot) are not among them.
int64_t* simplifiable_number(Op& op);
// Every numeric field's magnitude, summed (a size measure for shrinking).
uint64_t number_magnitude(const Op& op);

HandleKind handle_kind_of(const Op& op);
// The Go an op needs beyond Go 1.19 (the row's, then its arguments'), if any.
std::optional<GoNeed> go_need_of(const Op& op);

}  // namespace ctxcheck::harness
