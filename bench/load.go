package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is what a load run measured: every operation's latency, sorted.
type result struct {
	lat     []time.Duration
	elapsed time.Duration
	errors  int
	first   error
}

// perSecond is the throughput of the run.
func (r result) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.lat)) / r.elapsed.Seconds()
}

// mean is the average latency.
func (r result) mean() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range r.lat {
		sum += d
	}
	return sum / time.Duration(len(r.lat))
}

// p is the q-quantile (0 < q ≤ 1) of the latencies, nearest rank.
func (r result) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(r.lat))+0.5) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

// ok fails when more than 1% of the operations failed: a benchmark of
// errors measures nothing.
func (r result) ok(what string) error {
	if r.errors > 0 && r.errors*100 > len(r.lat)+r.errors {
		return fmt.Errorf("%s: %d of %d operations failed, first: %w", what, r.errors, len(r.lat)+r.errors, r.first)
	}
	if len(r.lat) == 0 {
		return fmt.Errorf("%s: no operation completed (first error: %v)", what, r.first)
	}
	return nil
}

// load runs op from clients goroutines, each calling it again as soon as
// the last call returned (a closed loop), until d has passed, or, when n
// is positive, until n calls were made. op gets the client's number and
// the call's sequence number across all clients.
func load(ctx context.Context, clients int, d time.Duration, n int, op func(ctx context.Context, client, seq int) error) result {
	var (
		mu   sync.Mutex
		res  result
		seq  atomic.Int64
		wg   sync.WaitGroup
		stop = time.Now().Add(d)
	)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			var errs int
			var first error
			for ctx.Err() == nil {
				i := int(seq.Add(1)) - 1
				if n > 0 && i >= n || n <= 0 && time.Now().After(stop) {
					break
				}
				t := time.Now()
				err := op(ctx, c, i)
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			defer mu.Unlock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			if res.first == nil {
				res.first = first
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}
