//! Rendering: liquidjs' `Render#renderTemplates`, `Context` lookups (`readProperty`
//! with `ownPropertyOnly`), expression evaluation and operators.

use std::collections::HashMap;

use usermaven_json::Object;

use super::filters;
use super::lex::{FArg, Filtered, Item, Lit, Op, Tok};
use super::parse::Node;
use super::value::{js_less, js_space, len16, DropKind, LiquidValue};
use super::LiquidError;

/// A render-time failure: a plain JS error (wrapped in a `RenderError` at the template
/// that failed) or an already positioned liquid error.
pub(super) enum RenderError {
    Plain(String),
    Liquid(LiquidError),
}

pub(super) type RenderResult<T> = Result<T, RenderError>;

pub(super) fn fail<T>(msg: impl Into<String>) -> RenderResult<T> {
    Err(RenderError::Plain(msg.into()))
}

const MEMORY_LIMIT: f64 = 1e8;

pub(super) struct Ctx<'a, 'i> {
    pub(super) input: &'i [u16],
    env: LiquidValue<'a>,
    /// `increment` / `decrement` counters (liquidjs writes them into the environment).
    counters: Vec<(String, f64)>,
    scopes: Vec<Vec<(String, LiquidValue<'a>)>>,
    stop: bool,
    cycles: HashMap<String, usize>,
    memory: f64,
    pub(super) now: jiff::Timestamp,
}

impl<'a, 'i> Ctx<'a, 'i> {
    pub(super) fn new(input: &'i [u16], env: LiquidValue<'a>, now: jiff::Timestamp) -> Ctx<'a, 'i> {
        super::value::take_conversion_error();
        Ctx {
            input,
            env,
            counters: Vec::new(),
            scopes: vec![Vec::new()],
            stop: false,
            cycles: HashMap::new(),
            memory: 0.0,
            now,
        }
    }

    /// liquidjs' memory `Limiter#use`.
    pub(super) fn mem(&mut self, n: f64) -> RenderResult<()> {
        if n > 0.0 {
            if self.memory + n > MEMORY_LIMIT || n.is_nan() {
                return fail("memory alloc limit exceeded");
            }
            self.memory += n;
        }
        Ok(())
    }

    pub(super) fn render(&mut self, nodes: &[Node], out: &mut String) -> Result<(), LiquidError> {
        for node in nodes {
            let mut result = self.render_node(node, out);
            if result.is_ok() && super::value::take_conversion_error() {
                result = fail("Cannot convert object to primitive value");
            }
            if let Err(e) = result {
                return Err(match e {
                    RenderError::Liquid(e) => e,
                    RenderError::Plain(m) => {
                        LiquidError::at("RenderError", m, self.input, node_pos(node))
                    }
                });
            }
            if self.stop {
                break;
            }
        }
        Ok(())
    }

    fn render_node(&mut self, node: &Node, out: &mut String) -> RenderResult<()> {
        match node {
            Node::Html(s) => out.push_str(s),
            Node::Output(f, _) | Node::Echo(Some(f), _) => {
                let v = self.eval_filtered(f)?.to_value();
                out.push_str(&v.stringify());
            }
            Node::Echo(None, _) | Node::Nothing => {}
            Node::Assign(key, f, _) => {
                let v = self.eval_filtered(f)?;
                set(&mut self.scopes[0], key, v);
            }
            Node::Capture(key, body, _) => {
                let mut s = String::new();
                self.render(body, &mut s).map_err(RenderError::Liquid)?;
                set(&mut self.scopes[0], key, LiquidValue::str(s));
            }
            Node::If(branches, else_, _) => {
                for (cond, body) in branches {
                    if !self.eval_filtered(cond)?.to_value().is_falsy() {
                        return self.render(body, out).map_err(RenderError::Liquid);
                    }
                }
                self.render(else_, out).map_err(RenderError::Liquid)?;
            }
            Node::Unless(branches, else_, _) => {
                for (cond, want_truthy, body) in branches {
                    let truthy = !self.eval_filtered(cond)?.to_value().is_falsy();
                    if truthy == *want_truthy {
                        return self.render(body, out).map_err(RenderError::Liquid);
                    }
                }
                self.render(else_, out).map_err(RenderError::Liquid)?;
            }
            Node::Increment(var, dec) => {
                let cur = self
                    .counters
                    .iter()
                    .find(|(k, _)| k == var)
                    .map(|(_, n)| *n)
                    .or_else(|| match self.env_own(var) {
                        LiquidValue::Num(n) => Some(n),
                        _ => None,
                    })
                    .unwrap_or(0.0);
                let (next, shown) = if *dec {
                    (cur - 1.0, cur - 1.0)
                } else {
                    (cur + 1.0, cur)
                };
                match self.counters.iter_mut().find(|(k, _)| k == var) {
                    Some(slot) => slot.1 = next,
                    None => self.counters.push((var.clone(), next)),
                }
                out.push_str(&LiquidValue::Num(shown).stringify());
            }
            Node::Cycle {
                group,
                candidates,
                fingerprint,
                ..
            } => {
                let g = match group {
                    Some(t) => self.eval_tok(t)?,
                    None => LiquidValue::Undef,
                };
                let key = format!("cycle:{}:{fingerprint}", g.js_string());
                let idx = *self.cycles.get(&key).unwrap_or(&0);
                self.cycles.insert(key, (idx + 1) % candidates.len().max(1));
                if let Some(c) = candidates.get(idx) {
                    let v = self.eval_filtered(c)?.to_value();
                    if js_truthy(&v) {
                        out.push_str(&v.stringify());
                    }
                }
            }
            Node::Block(body) => {
                self.scopes
                    .push(vec![("block".into(), LiquidValue::Drop(DropKind::Block))]);
                let r = self.render(body, out);
                self.scopes.pop();
                r.map_err(RenderError::Liquid)?;
            }
            Node::Seq(body) => self.render(body, out).map_err(RenderError::Liquid)?,
            Node::Break | Node::Continue => self.stop = true,
        }
        Ok(())
    }

    // ---- evaluation ------------------------------------------------------------------------

    pub(super) fn eval_filtered(&mut self, f: &Filtered) -> RenderResult<LiquidValue<'a>> {
        let mut val = self.eval_expr(&f.postfix)?;
        for filter in &f.filters {
            let mut args = Vec::with_capacity(filter.args.len());
            for a in &filter.args {
                args.push(match a {
                    FArg::Pos(t) => self.eval_tok(t)?,
                    FArg::Kw(k, t) => {
                        let v = match t {
                            Some(t) => self.eval_tok(t)?,
                            None => LiquidValue::Undef,
                        };
                        LiquidValue::arr(vec![LiquidValue::str(k.clone()), v])
                    }
                });
            }
            val = filters::apply(self, &filter.name, val, args)?;
        }
        Ok(val)
    }

    fn eval_expr(&mut self, postfix: &[Item]) -> RenderResult<LiquidValue<'a>> {
        let mut stack: Vec<LiquidValue<'a>> = Vec::new();
        for item in postfix {
            match item {
                Item::Val(t) => {
                    let v = self.eval_tok(t)?;
                    stack.push(v);
                }
                Item::Op(op) => {
                    let r = stack.pop().unwrap_or(LiquidValue::Undef);
                    let res = if *op == Op::Not {
                        r.to_value().is_falsy()
                    } else {
                        let l = stack.pop().unwrap_or(LiquidValue::Undef);
                        binary(*op, &l, &r)
                    };
                    stack.push(LiquidValue::Bool(res));
                }
            }
        }
        Ok(stack.into_iter().next().unwrap_or(LiquidValue::Undef))
    }

    pub(super) fn eval_tok(&mut self, t: &Tok) -> RenderResult<LiquidValue<'a>> {
        Ok(match t {
            Tok::Num(n) => LiquidValue::Num(*n),
            Tok::Lit(l) => match l {
                Lit::True => LiquidValue::Bool(true),
                Lit::False => LiquidValue::Bool(false),
                Lit::Nil => LiquidValue::Drop(DropKind::Nil),
                Lit::Empty => LiquidValue::Drop(DropKind::Empty),
                Lit::Blank => LiquidValue::Drop(DropKind::Blank),
            },
            Tok::Quoted(s) | Tok::Word(s) => LiquidValue::str(s.clone()),
            Tok::Range(lo, hi) => {
                let lo = self.eval_tok(lo)?.to_value();
                let hi = self.eval_tok(hi)?.to_value();
                let (lo, hi) = (lo.js_number(), hi.js_number());
                self.mem(hi - lo + 1.0)?;
                // Deviation, to keep every event bounded: liquidjs would build up to 1e8
                // items (seconds and gigabytes here); past 1e6 we report its memory error.
                if hi - lo + 1.0 > 1e6 {
                    return fail("memory alloc limit exceeded");
                }
                let mut items = Vec::new();
                let mut i = lo;
                // `i + 1 == i` past 2^53: JS would loop forever; we stop.
                while i < hi + 1.0 && i + 1.0 != i {
                    items.push(LiquidValue::Num(i));
                    i += 1.0;
                }
                LiquidValue::arr(items)
            }
            Tok::Prop { variable, props } => {
                let mut keys = Vec::with_capacity(props.len());
                for p in props {
                    keys.push(self.eval_tok(p)?.to_value());
                }
                match variable {
                    Some(var) => {
                        let mut cur = self.eval_tok(var)?;
                        for k in &keys {
                            cur = read_property(&cur, k);
                        }
                        cur
                    }
                    None => {
                        let Some((first, rest)) = keys.split_first() else {
                            return Ok(LiquidValue::Undef);
                        };
                        let mut cur = self.root(first);
                        for k in rest {
                            cur = read_property(&cur, k);
                        }
                        cur
                    }
                }
            }
        })
    }

    fn env_own(&self, key: &str) -> LiquidValue<'a> {
        match &self.env {
            LiquidValue::Obj(o) => o
                .get(key)
                .map_or(LiquidValue::Undef, LiquidValue::from_value),
            _ => LiquidValue::Undef,
        }
    }

    /// `Context#findScope` + `readProperty` for the first path segment.
    fn root(&self, key: &LiquidValue<'a>) -> LiquidValue<'a> {
        let k = key.prop_key();
        for scope in self.scopes.iter().rev() {
            if let Some((_, v)) = scope.iter().find(|(n, _)| *n == k) {
                return v.clone();
            }
        }
        if let Some((_, n)) = self.counters.iter().find(|(n, _)| *n == k) {
            return LiquidValue::Num(*n);
        }
        let in_env = match &self.env {
            LiquidValue::Obj(o) => o.contains_key(&k),
            LiquidValue::Undef | LiquidValue::Null => false,
            other => !matches!(own_prop(other, &k), LiquidValue::Undef),
        };
        if in_env {
            return read_property(&self.env, key);
        }
        static EMPTY: std::sync::OnceLock<Object> = std::sync::OnceLock::new();
        read_property(&LiquidValue::Obj(EMPTY.get_or_init(Object::new)), key)
    }

    /// `Context#_getFromScope(item, path)` for filters (`where`, `sum`).
    pub(super) fn get_path(&mut self, item: &LiquidValue<'a>, path: &str) -> LiquidValue<'a> {
        let mut cur = item.clone();
        for seg in path.split('.') {
            cur = read_property(&cur, &LiquidValue::str(seg));
        }
        cur
    }
}

fn set<'a>(scope: &mut Vec<(String, LiquidValue<'a>)>, key: &str, v: LiquidValue<'a>) {
    match scope.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = v,
        None => scope.push((key.to_string(), v)),
    }
}

fn node_pos(n: &Node) -> usize {
    match n {
        Node::Output(_, p)
        | Node::Assign(_, _, p)
        | Node::Capture(_, _, p)
        | Node::If(_, _, p)
        | Node::Unless(_, _, p)
        | Node::Echo(_, p) => *p,
        Node::Cycle { at, .. } => *at,
        _ => 0,
    }
}

/// JS truthiness (`html && emitter.write(html)`).
fn js_truthy(v: &LiquidValue<'_>) -> bool {
    match v {
        LiquidValue::Undef | LiquidValue::Null => false,
        LiquidValue::Bool(b) => *b,
        LiquidValue::Num(n) => *n != 0.0 && !n.is_nan(),
        LiquidValue::Str(s) => !s.is_empty(),
        _ => true,
    }
}

fn is_index(k: &str) -> Option<usize> {
    usermaven_json::js::array_index(k).map(|i| i as usize)
}

/// An own property (`hasOwnProperty` + `obj[key]`).
pub(super) fn own_prop<'a>(obj: &LiquidValue<'a>, k: &str) -> LiquidValue<'a> {
    match obj {
        LiquidValue::Str(s) => {
            if k == "length" {
                return LiquidValue::Num(len16(s) as f64);
            }
            match is_index(k) {
                Some(i) if i < len16(s) => {
                    usermaven_json::js::char_at(s, i).map_or(LiquidValue::Undef, LiquidValue::str)
                }
                _ => LiquidValue::Undef,
            }
        }
        LiquidValue::Arr(_) | LiquidValue::RArr(_) => {
            if k == "length" {
                return LiquidValue::Num(obj.arr_len().unwrap_or(0) as f64);
            }
            match is_index(k) {
                Some(i) => obj.arr_get(i).unwrap_or(LiquidValue::Undef),
                None => LiquidValue::Undef,
            }
        }
        LiquidValue::Obj(o) => o.get(k).map_or(LiquidValue::Undef, LiquidValue::from_value),
        _ => LiquidValue::Undef,
    }
}

fn read_array_element<'a>(arr: &LiquidValue<'a>, idx: f64) -> LiquidValue<'a> {
    let len = arr.arr_len().unwrap_or(0) as f64;
    let i = if idx < 0.0 { len + idx } else { idx };
    if i >= 0.0 && i.fract() == 0.0 && i < len {
        arr.arr_get(i as usize).unwrap_or(LiquidValue::Undef)
    } else {
        LiquidValue::Undef
    }
}

/// `Context#readProperty`.
pub(super) fn read_property<'a>(obj: &LiquidValue<'a>, key: &LiquidValue<'a>) -> LiquidValue<'a> {
    match obj {
        LiquidValue::Undef => return LiquidValue::Undef,
        LiquidValue::Null => return LiquidValue::Null,
        LiquidValue::Drop(_) => return LiquidValue::Undef,
        _ => {}
    }
    if obj.is_array() {
        if let LiquidValue::Num(n) = key {
            return read_array_element(obj, *n);
        }
    }
    let k = key.prop_key();
    let value = own_prop(obj, &k);
    if let LiquidValue::Str(s) = key {
        match &**s {
            "size" => return read_size(obj),
            "first" if obj.is_array() => return read_array_element(obj, 0.0),
            "last" if obj.is_array() => return read_array_element(obj, -1.0),
            _ => {}
        }
    }
    value
}

fn read_size<'a>(obj: &LiquidValue<'a>) -> LiquidValue<'a> {
    let own = own_prop(obj, "size");
    if !matches!(own, LiquidValue::Undef) {
        return own;
    }
    match obj {
        LiquidValue::Str(s) => LiquidValue::Num(len16(s) as f64),
        LiquidValue::Arr(_) | LiquidValue::RArr(_) => {
            LiquidValue::Num(obj.arr_len().unwrap_or(0) as f64)
        }
        LiquidValue::Obj(o) => LiquidValue::Num(o.len() as f64),
        _ => LiquidValue::Undef,
    }
}

fn comparable(v: &LiquidValue<'_>) -> Option<DropKind> {
    match v {
        LiquidValue::Drop(k @ (DropKind::Nil | DropKind::Empty | DropKind::Blank)) => Some(*k),
        _ => None,
    }
}

fn drop_equals(kind: DropKind, v: &LiquidValue<'_>) -> bool {
    match kind {
        DropKind::Nil => v.to_value().is_nil(),
        DropKind::Empty => {
            if matches!(v, LiquidValue::Drop(DropKind::Empty | DropKind::Blank)) {
                return false;
            }
            match v.to_value() {
                LiquidValue::Str(s) => s.is_empty(),
                a @ (LiquidValue::Arr(_) | LiquidValue::RArr(_)) => a.arr_len() == Some(0),
                LiquidValue::Obj(o) => o.is_empty(),
                _ => false,
            }
        }
        DropKind::Blank => {
            if matches!(v, LiquidValue::Bool(false)) || v.to_value().is_nil() {
                return true;
            }
            if let LiquidValue::Str(s) = v {
                return s.chars().all(js_space);
            }
            drop_equals(DropKind::Empty, v)
        }
        DropKind::Block => false,
    }
}

pub(super) fn equals(l: &LiquidValue<'_>, r: &LiquidValue<'_>) -> bool {
    if let Some(k) = comparable(l) {
        return drop_equals(k, r);
    }
    if let Some(k) = comparable(r) {
        return drop_equals(k, l);
    }
    let (l, r) = (l.to_value(), r.to_value());
    if l.is_array() {
        let (Some(a), Some(b)) = (l.items(), r.items()) else {
            return false;
        };
        return a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equals(x, y));
    }
    match (&l, &r) {
        (LiquidValue::Undef, LiquidValue::Undef) | (LiquidValue::Null, LiquidValue::Null) => true,
        (LiquidValue::Bool(a), LiquidValue::Bool(b)) => a == b,
        (LiquidValue::Num(a), LiquidValue::Num(b)) => a == b,
        (LiquidValue::Str(a), LiquidValue::Str(b)) => a == b,
        (LiquidValue::Obj(a), LiquidValue::Obj(b)) => std::ptr::eq(*a, *b),
        _ => false,
    }
}

fn binary(op: Op, l: &LiquidValue<'_>, r: &LiquidValue<'_>) -> bool {
    match op {
        Op::Eq => equals(l, r),
        Op::Ne => !equals(l, r),
        Op::Gt | Op::Lt | Op::Ge | Op::Le => {
            if comparable(l).is_some() || comparable(r).is_some() {
                return false;
            }
            let (l, r) = (l.to_value(), r.to_value());
            match op {
                Op::Lt => js_less(&l, &r) == Some(true),
                Op::Gt => js_less(&r, &l) == Some(true),
                Op::Ge => js_less(&l, &r) == Some(false),
                _ => js_less(&r, &l) == Some(false),
            }
        }
        Op::Contains => {
            let lv = l.to_value();
            if let Some(items) = lv.items() {
                return items.iter().any(|x| equals(x, r));
            }
            match lv {
                LiquidValue::Str(s) => s.contains(r.to_value().js_string().as_str()),
                _ => false,
            }
        }
        Op::And => !l.to_value().is_falsy() && !r.to_value().is_falsy(),
        Op::Or => !l.to_value().is_falsy() || !r.to_value().is_falsy(),
        Op::Not => l.to_value().is_falsy(),
    }
}
