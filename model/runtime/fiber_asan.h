// ASan and fiber stacks (see TOOLCHAIN.md, "libFuzzer + sanitizers with fibers").
#pragma once

namespace ctxcheck::rt {

// ASan builds: an exception that unwinds frames on a goroutine's fiber stack leaves their
// redzone poison behind (ASan does not know the fiber's stack, so __asan_handle_no_return
// declines to clear it and warns once "False positive error reports may follow"); the next
// frames to use that memory then report stack-buffer-overflow. A handler that catches on a
// fiber stack and goes on running calls this first: it clears the poison below the
// caller's frame on the current goroutine's stack, where only unwound frames can be.
// A no-op in other builds and off a goroutine.
void forget_unwound_frames();

}  // namespace ctxcheck::rt
