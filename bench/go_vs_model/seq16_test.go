// BenchmarkSeq16 is seq16.trace in real Go, op for op (the trace's lines as comments), so
// bench/go_vs_model.py can set what one execution costs in the model beside what the same
// program costs in Go. Observations go to package-level sinks so the compiler keeps them.
package gobench

import (
	"context"
	"testing"
	"time"
)

// The trace's key types: keyA:1 is keyA(1), one Go type per key type (as export-go writes).
type (
	keyA int
	keyB int
)

var (
	valueSink any
	errSink   error
)

func BenchmarkSeq16(b *testing.B) {
	for i := 0; i < b.N; i++ {
		h1 := context.Background()                          // h1 = background
		h2, cancel2 := context.WithCancel(h1)               // h2 = with_cancel h1
		h3 := context.WithValue(h2, keyA(1), 100)           // h3 = with_value h2 keyA:1 100
		h4, cancel4 := context.WithTimeout(h3, time.Second) // h4 = with_timeout h3 1s
		h5, cancel5 := context.WithCancel(h4)               // h5 = with_cancel h4
		h6 := context.WithValue(h5, keyB(2), 200)           // h6 = with_value h5 keyB:2 200
		valueSink = h6.Value(keyA(1))                       // observe value h6 keyA:1
		errSink = h5.Err()                                  // observe err h5
		h7, cancel7 := context.WithCancel(h6)               // h7 = with_cancel h6
		valueSink = h7.Value(keyB(2))                       // observe value h7 keyB:2
		cancel7()                                           // cancel h7
		errSink = h7.Err()                                  // observe err h7
		cancel5()                                           // cancel h5
		errSink = h6.Err()                                  // observe err h6
		cancel4()                                           // cancel h4
		cancel2()                                           // cancel h2
		errSink = h3.Err()                                  // observe err h3
	}
}
