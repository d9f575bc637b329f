"""Share of JFR execution samples spent in drain4j library code (not the demo).

A sample counts when its nearest io.drain4j frame above the leaf is library code and no other
handler was entered in between (no handler method such as channelRead or write of a class other
than Netty's context and pipeline between the leaf and that frame): the drain4j code itself,
what it calls, and the pipeline hop it adds, but not the work of the handlers after it.

    python3 library-samples.py NAME.json [TOP]
"""
import collections
import json
import sys

HANDLER_METHODS = {"channelRead", "channelReadComplete", "write", "flush", "decode", "encode",
                   "userEventTriggered"}

data = json.load(open(sys.argv[1]))
events = data["recording"]["events"]
total = len(events)
hits = collections.Counter()
count = 0
for e in events:
    frames = e["values"]["stackTrace"]["frames"]
    names = [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in frames]
    for i, name in enumerate(names):
        if name.startswith("io/drain4j/"):
            between = names[:i]
            entered = any(
                n.rsplit(".", 1)[1] in HANDLER_METHODS
                and "ChannelHandlerContext" not in n
                and "ChannelPipeline" not in n
                for n in between
            )
            if not name.startswith("io/drain4j/samples") and not entered:
                count += 1
                hits[name.split("/")[-1] + " <- leaf " + names[0].split("/")[-1]] += 1
            break
print(f"samples {total}, drain4j library code: {count} ({100 * count / total:.1f}%)")
for key, n in hits.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 25):
    print(n, key)
