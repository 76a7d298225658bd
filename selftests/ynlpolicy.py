#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the netlink policies a loaded module registered against its YNL
spec, and prints one KTAP result per attribute set and one for the ops.

    ynlpolicy.py [--first N] SPEC YNL_DIR

The module keeps hand-written policies (it supports 6.1, which has no
split ops for generated ones): this is what keeps them and the spec in
step. It dumps them with the kernel's YNL library (YNL_DIR/tools/net/ynl,
as "scripts/ynl tools" stages it) and nlctrl.yaml: getpolicy
(CTRL_CMD_GETPOLICY) of the family, one message per command's policy
index and one per policed attribute. The library of 6.12 cannot decode
the pad attribute the kernel puts before 64-bit values, and its
nlctrl.yaml numbers the mask attribute wrong: the nlctrl spec it gets
leaves pad out, gives mask its kernel value, and lets unknown attributes
through.

 - The commands and whether each has do and dump are the spec's.
 - For every attribute set a request can carry, from the commands' sets
   down every nest that is not read-only: an attribute whose doc starts
   with "Read-only" must be rejected (the dump leaves it out), and a
   top-level attribute that no request lists must say so; any other must
   be policed with the kernel type the spec's type maps to, the exact or
   maximum length and the minimum and maximum value of its checks
   (integers without checks: the whole range of the type), the mask of
   its flags-mask. A nest must point at a policy that passes the same
   test for its set; a nest of a set holding one multi-attr nest is a
   nested array of the inner set's policy. The policy polices nothing the
   spec does not have.
 - Every such set was reached.

The results go to the TAP numbering of selftests/lib.sh: the caller passes
the next number with --first and the script prints the last one used on
stderr as "last N".
"""

import os
import sys
import tempfile

import yaml

INT_BITS = {'u8': 8, 'u16': 16, 'u32': 32, 'u64': 64}


class Checker:
    def __init__(self, spec, messages):
        self.spec = spec
        self.sets = {s['name']: s for s in spec['attribute-sets']}
        self.consts = {}
        for d in spec.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d['value']
            elif d['type'] == 'flags':
                self.consts[d['name']] = d
        self.policies = {}
        self.ops = {}
        for msg in messages:
            pol = msg.get('policy')
            if pol:
                attrs = self.policies.setdefault(pol['policy-id'], {})
                attrs[pol['attr-id']] = pol
            opp = msg.get('op-policy')
            if opp:
                self.ops[opp['op-id']] = opp

    def value(self, v):
        if isinstance(v, int):
            return v
        return self.consts[v]

    def mask(self, name):
        flags = self.consts[name]
        return (1 << len(flags['entries'])) - 1

    def writable_top(self):
        names = set()
        for op in self.spec['operations']['list']:
            for mode in ('do', 'dump'):
                req = op.get(mode, {}).get('request', {})
                names.update(req.get('attributes', []))
        return names

    @staticmethod
    def numbered(aset):
        """(value, attribute) of a set, as the generator numbers them"""
        val = 0
        for a in aset['attributes']:
            val = a.get('value', val)
            yield val, a
            val += 1

    def array_of(self, aset):
        """the inner set if aset is one multi-attr nest (a nested array)"""
        attrs = aset['attributes']
        if (len(attrs) == 1 and attrs[0]['type'] == 'nest' and
                attrs[0].get('multi-attr')):
            return attrs[0]['nested-attributes']
        return None

    def check_attr(self, setname, a, pol, errors, todo):
        name = f"{setname}.{a['name']}"
        t = a['type']
        checks = a.get('checks', {})
        want = {}
        if t in INT_BITS:
            want['type'] = t
            if 'flags-mask' in checks:
                want['mask'] = self.mask(checks['flags-mask'])
            else:
                want['min-value-u'] = self.value(checks.get('min', 0))
                want['max-value-u'] = self.value(
                    checks.get('max', (1 << INT_BITS[t]) - 1))
        elif t == 'string':
            want['type'] = ('string' if checks.get('unterminated-ok')
                            else 'nul-string')
            if 'max-len' in checks:
                want['max-length'] = self.value(checks['max-len'])
        elif t == 'binary':
            want['type'] = 'binary'
            if 'exact-len' in checks:
                want['min-length'] = want['max-length'] = \
                    self.value(checks['exact-len'])
            if 'max-len' in checks:
                want['max-length'] = self.value(checks['max-len'])
            if 'min-len' in checks:
                want['min-length'] = self.value(checks['min-len'])
        elif t == 'nest':
            inner = self.array_of(self.sets[a['nested-attributes']])
            if inner:
                want['type'] = 'nested-array'
                todo.append((inner, pol.get('policy-idx'), False))
            else:
                want['type'] = 'nested'
                todo.append((a['nested-attributes'], pol.get('policy-idx'),
                             False))
        else:
            errors.append(f"{name}: spec type {t} is not handled here")
            return
        for key, val in want.items():
            if pol.get(key) != val:
                errors.append(f"{name}: spec says {key} {val}, "
                              f"kernel {pol.get(key)} ({pol})")

    def check_set(self, setname, idx, top):
        errors = []
        todo = []
        aset = self.sets[setname]
        pol = self.policies.get(idx, {})
        writable = self.writable_top() if top else None
        seen = set()
        for val, a in self.numbered(aset):
            if a['type'] in ('unused', 'pad'):
                continue
            seen.add(val)
            ro = a.get('doc', '').startswith('Read-only')
            if top and a['name'] not in writable and not ro:
                errors.append(f"{setname}.{a['name']}: no request has it, "
                              "but its doc does not say Read-only")
            if ro:
                if val in pol:
                    errors.append(f"{setname}.{a['name']}: read-only, but "
                                  f"the kernel polices it as {pol[val]}")
                continue
            if val not in pol:
                errors.append(f"{setname}.{a['name']}: the kernel rejects "
                              "it (or leaves it unchecked)")
                continue
            self.check_attr(setname, a, pol[val], errors, todo)
        for val in pol:
            if val not in seen:
                errors.append(f"{setname}: the kernel polices attribute "
                              f"{val}, which the spec does not have")
        return errors, todo

    def request_sets(self):
        """the sets a request can carry: from the requests' top-level
        sets down every nest that is not read-only (sets only replies or
        notifications carry have no policy)"""
        todo = []
        for op in self.spec['operations']['list']:
            if any('request' in op.get(m, {}) for m in ('do', 'dump')):
                todo.append(op['attribute-set'])
        sets = set()
        while todo:
            name = todo.pop()
            if name in sets:
                continue
            inner = self.array_of(self.sets[name])
            if inner:
                todo.append(inner)
                continue
            sets.add(name)
            for a in self.sets[name]['attributes']:
                if (a.get('type') == 'nest' and
                        not a.get('doc', '').startswith('Read-only')):
                    todo.append(a['nested-attributes'])
        return sets

    def check_ops(self):
        errors = []
        policy_of = {}
        val = 0
        names = {}
        for op in self.spec['operations']['list']:
            val = op.get('value', val)
            names[val] = op
            val += 1
        for val, op in names.items():
            got = self.ops.get(val, {})
            for mode in ('do', 'dump'):
                if (mode in op) != (mode in got):
                    errors.append(f"{op['name']}: spec {'has' if mode in op else 'lacks'} "
                                  f"{mode}, the kernel {'has' if mode in got else 'lacks'} it")
                if mode in op and mode in got:
                    policy_of.setdefault(op['attribute-set'], set()).add(got[mode])
        for val in self.ops:
            if val not in names:
                errors.append(f"the kernel has command {val}, the spec does not")
        return errors, policy_of


def main():
    first = 1
    args = sys.argv[1:]
    if args[0] == '--first':
        first = int(args[1])
        args = args[2:]
    with open(args[0]) as f:
        spec = yaml.safe_load(f)
    sys.path.insert(0, os.path.join(args[1], 'tools/net/ynl'))
    from lib import YnlFamily  # pylint: disable=import-outside-toplevel

    with open(os.path.join(args[1],
                           'Documentation/netlink/specs/nlctrl.yaml')) as f:
        nlctrl = yaml.safe_load(f)
    for aset in nlctrl['attribute-sets']:
        aset['attributes'] = [a for a in aset['attributes']
                              if a.get('type') != 'pad']
        # 6.12's nlctrl.yaml has mask and pad the wrong way round:
        # NL_POLICY_TYPE_ATTR_MASK is 12 (linux/netlink.h)
        for a in aset['attributes']:
            if aset['name'] == 'policy-attrs' and a['name'] == 'mask':
                a['value'] = 12
    with tempfile.NamedTemporaryFile('w', suffix='.yaml') as f:
        # the library refuses a spec without its SPDX line
        f.write('# SPDX-License-Identifier: GPL-2.0\n')
        yaml.safe_dump(nlctrl, f)
        f.flush()
        ctrl = YnlFamily(f.name, '', process_unknown=True)
        messages = ctrl.dump('getpolicy', {'family-name': spec['name']})
    c = Checker(spec, messages)
    n = first - 1
    failed = 0

    def result(desc, errors):
        nonlocal n, failed
        n += 1
        if errors:
            failed += 1
            print(f"not ok {n} {desc}")
            for e in errors:
                print(f"# {e}")
        else:
            print(f"ok {n} {desc}")

    errors, policy_of = c.check_ops()
    result("policy: the kernel's commands and their do/dump are the spec's",
           errors)
    todo = []
    for setname, idxs in policy_of.items():
        for idx in sorted(idxs):
            todo.append((setname, idx, True))
    done = set()
    while todo:
        setname, idx, top = todo.pop(0)
        if (setname, idx) in done:
            continue
        done.add((setname, idx))
        if idx is None:
            result(f"policy: attribute set {setname}",
                   ["the kernel gives no nested policy for it"])
            continue
        errors, more = c.check_set(setname, idx, top)
        result(f"policy: attribute set {setname} (kernel policy {idx})",
               errors)
        todo.extend(more)
    reached = {d[0] for d in done}
    result("policy: every attribute set a request can carry was compared",
           [f"{s} was not reached" for s in sorted(c.request_sets() - reached)])
    print(f"last {n}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
