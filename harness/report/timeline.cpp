#include "harness/report/timeline.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/program/text.h"

namespace ctxcheck::harness {

namespace {

using nlohmann::json;
constexpr double kStepUs = 0.001;  // 1 ns between steps of one virtual instant
constexpr int kPid = 1;

// tid of a goroutine's track; 0 is the runtime's own (the clock, timers).
int tid_of(uint32_t g) { return g == rt::kNoGo ? 0 : static_cast<int>(g) + 1; }

// ts of every event: its virtual µs, moved on by 1 ns past the previous event when the
// clock stood still, so the order within an instant is kept and every slice has a width.
std::vector<double> timestamps(const std::vector<TimedEvent>& events) {
  std::vector<double> ts(events.size());
  double last = -1;
  for (size_t i = 0; i < events.size(); ++i) {
    double at = static_cast<double>(events[i].vtime - rt::kEpoch) / 1000.0;
    last = std::max(at, last + kStepUs);
    ts[i] = last;
  }
  return ts;
}

std::string track_name(const TimelineGoroutine& g) {
  if (g.kind == rt::GoKind::Main) return "main (go 0)";
  if (g.kind == rt::GoKind::Program) return fmt::format("go {} (goroutine {})", g.script, g.id);
  return fmt::format("{} (goroutine {})", g.label.empty() ? rt::go_kind_name(g.kind) : g.label, g.id);
}

json slice(std::string name, const char* cat, int tid, double begin, double end, json args) {
  double dur = std::max(end - begin, kStepUs / 2);
  return {{"ph", "X"}, {"name", std::move(name)}, {"cat", cat}, {"pid", kPid}, {"tid", tid},
          {"ts", begin}, {"dur", dur}, {"args", std::move(args)}};
}

json instant(std::string name, const char* cat, int tid, double ts, const char* scope, json args) {
  return {{"ph", "i"}, {"name", std::move(name)}, {"cat", cat}, {"pid", kPid}, {"tid", tid},
          {"ts", ts}, {"s", scope}, {"args", std::move(args)}};
}

json metadata(const char* what, int tid, json args) {
  return {{"ph", "M"}, {"name", what}, {"pid", kPid}, {"tid", tid}, {"ts", 0}, {"args", std::move(args)}};
}

int64_t vtime_ns(const TimedEvent& e) { return e.vtime - rt::kEpoch; }

// Builds the slices of one goroutine's track from its own events.
class Track {
 public:
  Track(const Program& p, const TimelineLog& log, const std::vector<double>& ts, json& out)
      : p_(p), log_(log), ts_(ts), out_(out) {}

  void draw(const TimelineGoroutine& g) {
    tid_ = tid_of(g.id);
    std::vector<size_t> own;
    for (size_t i = 0; i < log_.events.size(); ++i)
      if (log_.events[i].ev.g == g.id) own.push_back(i);
    if (own.empty()) return;
    double end = ts_[own.back()];
    bool exited = log_.events[own.back()].ev.kind == rt::Ev::Exit;
    if (!exited) end = ts_.back() + kStepUs;  // still there when the run ended
    out_.push_back(slice(track_name(g), "goroutine", tid_, ts_[own.front()], end,
                         {{"kind", rt::go_kind_name(g.kind)}, {"exited", exited}}));
    ops_and_waits(own, end);
  }

 private:
  void ops_and_waits(const std::vector<size_t>& own, double end) {
    std::optional<size_t> op;  // the open op's event
    auto close_op = [&](double at) {
      if (!op) return;
      const rt::Event& e = log_.events[*op].ev;
      size_t s = e.a >> 16, i = e.a & 0xffff;
      std::string text = s < p_.scripts.size() && i < p_.scripts[s].ops.size() ? print_op(p_.scripts[s].ops[i]) : "op";
      out_.push_back(slice(text, "op", tid_, ts_[*op], at,
                           {{"script", s}, {"op", i + 1}, {"vtime_ns", vtime_ns(log_.events[*op])}}));
      op.reset();
    };
    for (size_t k = 0; k < own.size(); ++k) {
      const TimedEvent& te = log_.events[own[k]];
      double next = k + 1 < own.size() ? ts_[own[k + 1]] : end;
      if (te.ev.kind == rt::Ev::Op) {
        close_op(ts_[own[k]]);
        op = own[k];
      } else if (te.ev.kind == rt::Ev::Exit) {
        close_op(ts_[own[k]]);
      } else if (te.ev.kind == rt::Ev::Block) {
        auto kind = static_cast<rt::BlockKind>(te.ev.a);
        // The harness's own waits (quiescence) end the program's last op.
        if (kind == rt::BlockKind::Settle || kind == rt::BlockKind::SettleNow) close_op(ts_[own[k]]);
        out_.push_back(slice(fmt::format("wait: {}", rt::block_kind_name(kind)), "wait", tid_, ts_[own[k]], next,
                             {{"on", te.ev.b}, {"vtime_ns", vtime_ns(te)}}));
      }
    }
    close_op(end);
  }

  const Program& p_;
  const TimelineLog& log_;
  const std::vector<double>& ts_;
  json& out_;
  int tid_ = 0;
};

json gc_args(const TimelineLog& log, uint32_t cycle) {
  if (cycle == 0 || cycle > log.gc.size()) return json::object();
  const rt::GcStats& st = log.gc[cycle - 1];
  return {{"heap_before", st.heap_before}, {"heap_after", st.heap_after}, {"objects_before", st.objects_before},
          {"objects_after", st.objects_after}, {"freed", st.freed}, {"finalizers_queued", st.finalizers_queued},
          {"finalizers_run", st.finalizers_run}};
}

// Timer fires and GC cycles, where they happened.
void instants(const TimelineLog& log, const std::vector<double>& ts, json& out) {
  for (size_t i = 0; i < log.events.size(); ++i) {
    const TimedEvent& te = log.events[i];
    int tid = tid_of(te.ev.g);
    if (te.ev.kind == rt::Ev::TimerFire)
      out.push_back(instant(fmt::format("timer {} fires", te.ev.a), "timer", tid, ts[i], "t",
                            {{"timer", te.ev.a}, {"vtime_ns", vtime_ns(te)}}));
    else if (te.ev.kind == rt::Ev::Gc) {
      json args = gc_args(log, te.ev.a);
      args["vtime_ns"] = vtime_ns(te);
      out.push_back(instant(fmt::format("GC {}", te.ev.a), "gc", tid, ts[i], "g", std::move(args)));
    } else if (te.ev.kind == rt::Ev::Panic) {
      out.push_back(instant("panic", "panic", tid, ts[i], "t", {{"vtime_ns", vtime_ns(te)}}));
    }
  }
}

// A short slice where each context was canceled, and a flow from its parent's (when the
// parent was canceled first: the cancellation it caused).
void cancellations(const TimelineLog& log, const std::vector<double>& ts, json& out) {
  std::map<uint32_t, size_t> index_of;  // context id -> position in log.cancels
  for (size_t k = 0; k < log.cancels.size(); ++k) {
    const Cancellation& c = log.cancels[k];
    index_of[c.ctx] = k;
    double at = c.event == 0 ? 0 : ts[c.event - 1] + kStepUs / 4;
    out.push_back(slice(fmt::format("canceled {}", c.name), "cancel", tid_of(c.goroutine), at, at + kStepUs / 2,
                        {{"context", c.name}, {"vtime_ns", c.vtime - rt::kEpoch}}));
    int64_t parent = c.ctx < log.parent_of.size() ? log.parent_of[c.ctx] : -1;
    auto from = parent < 0 ? index_of.end() : index_of.find(static_cast<uint32_t>(parent));
    if (from == index_of.end()) continue;
    const Cancellation& pc = log.cancels[from->second];
    double pat = pc.event == 0 ? 0 : ts[pc.event - 1] + kStepUs / 4;
    std::string name = fmt::format("{} -> {}", pc.name, c.name);
    out.push_back({{"ph", "s"}, {"name", name}, {"cat", "cancel"}, {"id", k}, {"pid", kPid},
                   {"tid", tid_of(pc.goroutine)}, {"ts", pat + kStepUs / 4}});
    out.push_back({{"ph", "f"}, {"bp", "e"}, {"name", name}, {"cat", "cancel"}, {"id", k}, {"pid", kPid},
                   {"tid", tid_of(c.goroutine)}, {"ts", at + kStepUs / 4}});
  }
}

}  // namespace

nlohmann::json timeline_json(const Program& p, const ExecResult& r, const std::string& title) {
  if (!r.timeline) throw std::logic_error("timeline_json: the execution recorded no timeline");
  const TimelineLog& log = *r.timeline;
  std::vector<double> ts = timestamps(log.events);
  json events = json::array();
  events.push_back(metadata("process_name", 0, {{"name", title}}));
  events.push_back(metadata("thread_name", 0, {{"name", "runtime (clock, timers)"}}));
  for (const TimelineGoroutine& g : log.goroutines) {
    events.push_back(metadata("thread_name", tid_of(g.id), {{"name", track_name(g)}}));
    events.push_back(metadata("thread_sort_index", tid_of(g.id), {{"sort_index", tid_of(g.id)}}));
  }
  Track track(p, log, ts, events);
  for (const TimelineGoroutine& g : log.goroutines) track.draw(g);
  instants(log, ts, events);
  cancellations(log, ts, events);
  return {{"traceEvents", std::move(events)},
          {"displayTimeUnit", "ns"},
          {"otherData", {{"title", title}, {"verdict", r.expect().to_string()}, {"virtual_ns", r.stats.virtual_ns}}}};
}

std::vector<std::string> gctrace_lines(const ExecResult& r) {
  std::vector<std::string> out;
  if (!r.timeline) return out;
  const TimelineLog& log = *r.timeline;
  for (size_t i = 0; i < log.gc.size(); ++i) {
    const rt::GcStats& st = log.gc[i];
    double secs = i < log.gc_vtime.size() ? static_cast<double>(log.gc_vtime[i] - rt::kEpoch) / 1e9 : 0.0;
    out.push_back(fmt::format("gc {} @{:.3f}s: {}->{}->{} B, {}->{} objects, {} freed, {} finalizers queued, {} run "
                              "(forced)",
                              i + 1, secs, st.heap_before, st.heap_before, st.heap_after, st.objects_before,
                              st.objects_after, st.freed, st.finalizers_queued, st.finalizers_run));
  }
  return out;
}

}  // namespace ctxcheck::harness

namespace ctxcheck::harness {

namespace {

// The viewer: the events inline, drawn on a canvas with a step axis (every distinct ts one
// column, so steps of one virtual instant are as wide as those hours apart; the virtual
// time is written above the columns where it changes). No network, no libraries.
constexpr const char* kViewerHead = R"HTML(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ctxcheck timeline</title>
<style>
body{font:12px monospace;margin:8px;background:#fafafa;color:#202020}
h1{font-size:14px;margin:0 0 4px 0} #legend span{display:inline-block;margin-right:14px}
#legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
#wrap{overflow:auto;border:1px solid #c0c0c0;background:#fff;max-height:calc(100vh - 90px)}
#tip{position:fixed;display:none;background:#ffffe0;border:1px solid #808080;padding:4px;white-space:pre;pointer-events:none}
</style></head><body>
<h1 id="title"></h1>
<div id="legend"><span><i style="background:#e8e8e8"></i>goroutine</span><span><i style="background:#7aa6e0"></i>op</span>
<span><i style="background:#f0b060"></i>blocking wait</span><span><i style="background:#d02020"></i>canceled</span>
<span><i style="background:#2a9d3a"></i>timer fires</span><span><i style="background:#8040c0"></i>GC cycle</span>
<span><i style="background:#d02020;height:2px"></i>cancel caused cancel</span></div>
<div id="wrap"><canvas id="c"></canvas></div><div id="tip"></div>
<script type="application/json" id="data">)HTML";

constexpr const char* kViewerTail = R"HTML(</script>
<script>
(function(){
const data=JSON.parse(document.getElementById('data').textContent);
const ev=data.traceEvents, other=data.otherData||{};
document.getElementById('title').textContent=(other.title||'')+'  —  '+(other.verdict||'');
const names={}, tids=[];
for(const e of ev){ if(e.ph==='M'&&e.name==='thread_name'){names[e.tid]=e.args.name; if(!tids.includes(e.tid)) tids.push(e.tid);} }
tids.sort((a,b)=>a-b);
const stamps=new Set();
for(const e of ev){ if(e.ph==='M') continue; stamps.add(e.ts); if(e.ph==='X') stamps.add(e.ts+e.dur); }
const cols=[...stamps].sort((a,b)=>a-b), colOf=new Map(cols.map((t,i)=>[t,i]));
const LEFT=270, ROW=16, TOP=30, COL=Math.max(7,Math.floor((window.innerWidth-LEFT-60)/Math.max(1,cols.length)));
const col=t=>{ let lo=0,hi=cols.length-1; while(lo<hi){const m=(lo+hi)>>1; if(cols[m]<t) lo=m+1; else hi=m;} return lo; };
const x=t=>LEFT+(colOf.has(t)?colOf.get(t):col(t))*COL;
// Depth of each slice on its track: slices sorted by start, longer first, nest on a stack.
const slices=ev.filter(e=>e.ph==='X').sort((a,b)=>a.tid-b.tid||a.ts-b.ts||b.dur-a.dur);
const depthMax={}; let stack=[], cur=null;
for(const s of slices){ if(s.tid!==cur){stack=[];cur=s.tid;}
  while(stack.length&&stack[stack.length-1].ts+stack[stack.length-1].dur<=s.ts+1e-7) stack.pop();
  s.depth=stack.length; stack.push(s); depthMax[s.tid]=Math.max(depthMax[s.tid]||0,s.depth+1); }
const trackY={}; let y=TOP;
for(const t of tids){ trackY[t]=y; y+=Math.max(1,depthMax[t]||1)*ROW+8; }
const cv=document.getElementById('c'), W=LEFT+cols.length*COL+40, H=y+10, dpr=window.devicePixelRatio||1;
cv.width=W*dpr; cv.height=H*dpr; cv.style.width=W+'px'; cv.style.height=H+'px';
const g=cv.getContext('2d'); g.scale(dpr,dpr); g.font='11px monospace';
const fmtT=us=>us>=1e6?(us/1e6).toFixed(3).replace(/\.?0+$/,'')+' s':us>=1e3?(us/1e3).toFixed(3).replace(/\.?0+$/,'')+' ms':us+' µs';
// Virtual time where it changes.
let lastUs=-1, lastX=-1e9; g.fillStyle='#606060';
for(let i=0;i<cols.length;i++){ const us=Math.floor(cols[i]); if(us!==lastUs){ const xx=LEFT+i*COL;
  g.strokeStyle='#e0e0e0'; g.beginPath(); g.moveTo(xx,TOP-4); g.lineTo(xx,H); g.stroke();
  if(xx-lastX>70){ g.fillText(fmtT(us),xx+2,14); lastX=xx; } lastUs=us; } }
for(const t of tids){ g.fillStyle='#202020'; g.fillText((names[t]||('tid '+t)).slice(0,36),4,trackY[t]+12);
  g.strokeStyle='#d0d0d0'; g.beginPath(); g.moveTo(0,trackY[t]-4); g.lineTo(W,trackY[t]-4); g.stroke(); }
const colors={goroutine:'#e8e8e8',op:'#7aa6e0',wait:'#f0b060',cancel:'#d02020'};
const boxes=[];
for(const s of slices){ const x0=x(s.ts), x1=Math.max(x(s.ts+s.dur),x0+3), yy=trackY[s.tid]+s.depth*ROW;
  g.fillStyle=colors[s.cat]||'#a0a0a0'; g.fillRect(x0,yy,x1-x0,ROW-2);
  g.strokeStyle='#ffffff'; g.strokeRect(x0+0.5,yy+0.5,x1-x0-1,ROW-3);
  if(x1-x0>30){ g.save(); g.beginPath(); g.rect(x0,yy,x1-x0,ROW); g.clip(); g.fillStyle=s.cat==='cancel'?'#fff':'#101010'; g.fillText(s.name,x0+3,yy+11); g.restore(); }
  boxes.push({x0,x1,y0:yy,y1:yy+ROW,e:s}); }
for(const e of ev.filter(e=>e.ph==='i')){ const xx=x(e.ts);
  if(e.s==='g'){ g.strokeStyle='#8040c0'; g.lineWidth=2; g.beginPath(); g.moveTo(xx,TOP-6); g.lineTo(xx,H); g.stroke(); g.lineWidth=1;
    g.fillStyle='#8040c0'; g.fillText(e.name,xx+3,TOP-8); boxes.push({x0:xx-3,x1:xx+3,y0:TOP-20,y1:H,e}); }
  else { const yy=trackY[e.tid]+2; g.fillStyle=e.cat==='timer'?'#2a9d3a':'#000'; g.beginPath(); g.moveTo(xx,yy); g.lineTo(xx+5,yy+6); g.lineTo(xx,yy+12); g.lineTo(xx-5,yy+6); g.fill();
    boxes.push({x0:xx-5,x1:xx+5,y0:yy,y1:yy+12,e}); } }
// Flows: from the cause's cancellation to the one it caused.
const cancelAt=(tid,ts)=>slices.find(s=>s.cat==='cancel'&&s.tid===tid&&s.ts<=ts&&ts<=s.ts+s.dur+1e-9);
const starts={}; for(const e of ev) if(e.ph==='s') starts[e.id]=e;
g.strokeStyle='#d02020'; g.fillStyle='#d02020';
for(const f of ev.filter(e=>e.ph==='f')){ const s=starts[f.id]; if(!s) continue;
  const a=cancelAt(s.tid,s.ts), b=cancelAt(f.tid,f.ts);
  const ax=x(s.ts), ay=a?trackY[a.tid]+a.depth*ROW+ROW/2:trackY[s.tid], bx=x(f.ts), by=b?trackY[b.tid]+b.depth*ROW+ROW/2:trackY[f.tid];
  g.beginPath(); g.moveTo(ax,ay); g.bezierCurveTo(ax+20,ay,bx-20,by,bx,by); g.stroke();
  g.beginPath(); g.moveTo(bx,by); g.lineTo(bx-6,by-3); g.lineTo(bx-6,by+3); g.fill(); }
const tip=document.getElementById('tip');
cv.addEventListener('mousemove',m=>{ const r=cv.getBoundingClientRect(), px=m.clientX-r.left, py=m.clientY-r.top;
  let hit=null; for(const b of boxes) if(px>=b.x0&&px<=b.x1&&py>=b.y0&&py<=b.y1&&(!hit||b.e.ph!=='X'||b.e.dur<=hit.e.dur)) hit=b;
  if(!hit){tip.style.display='none';return;}
  tip.textContent=hit.e.name+'\n'+JSON.stringify(hit.e.args||{},null,1); tip.style.left=(m.clientX+12)+'px'; tip.style.top=(m.clientY+12)+'px'; tip.style.display='block'; });
})();
</script></body></html>
)HTML";

}  // namespace

std::string timeline_html(const nlohmann::json& timeline) {
  std::string data = timeline.dump();
  // Inside <script>, "</" could close the element: JSON lets it be written "<\/".
  std::string safe;
  for (size_t i = 0; i < data.size(); ++i) {
    safe += data[i];
    if (data[i] == '<' && i + 1 < data.size() && data[i + 1] == '/') safe += '\\';
  }
  return std::string(kViewerHead) + safe + kViewerTail;
}

}  // namespace ctxcheck::harness
