// A dedicated worker of the cross-site frame: a target inside a target.
fetch('worker.txt?from=frame-worker').then(r => r.text()).then(t => postMessage(t.trim()), e => postMessage('failed ' + e));
