;; The personal-data scan's prefilter walk (pii.prefilter.ts loads it; pii.prefilter.wasm is this
;; file assembled, and test/pii/prefilter-wasm.test.ts checks the two agree). It reads the text's
;; character codes (everything outside ASCII as a byte of 128 or more) 16 at a time with SIMD
;; compares, turns each block into bit masks (digits, token characters, and the characters where
;; an anchor may be, checked against their neighbours in the same compares), and does scalar work
;; only at the bits set: the anchors every detector starts from. test/pii/reference-prefilter.ts
;; is the same walk in JavaScript, one character at a time; test/pii/prefilter.test.ts checks both
;; give the same anchors.
;;
;; Memory (byte addresses):
;;   0..511       per character code c: first (at 2c) and past-last (at 2c+1) number of the issuer
;;                prefixes it triggers (written by pii.prefilter.ts, as everything up to 4160)
;;   512..3583    the prefixes, 64 bytes each: at (where in the prefix its trigger is), length,
;;                prefix number, then from byte 16 the prefix itself
;;   3584..3607   what walk() found: counts of groups, letter starts, long-token values, marks,
;;                prefix values, and the password hint
;;   4096..4159   four sets of ASCII characters, 16 bytes each (bit h of byte l: character 16h + l):
;;                the characters that trigger a prefix they do not start, the characters just
;;                before those in their prefixes, the characters that trigger a prefix they start,
;;                and the characters just after those
;;   4160..8191   zeros: a look behind the text's start reads no character
;;   8192..       the text, then at least 48 zero bytes (the last block's loads and looks ahead)
;; Positions written out are relative to the text's start.
(module
  (memory (export "memory") 1)

  ;; Where the text starts.
  (global $text i32 (i32.const 8192))
  ;; Where the marks and issuer-prefix starts go (set at the start of walk()), and the password hint.
  (global $marks (mut i32) (i32.const 0))
  (global $prefixes (mut i32) (i32.const 0))
  (global $hint (mut i32) (i32.const 0))

  (func $isUpper (param $c i32) (result i32)
    (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26)))

  (func $isHex (param $c i32) (result i32)
    (i32.or
      (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
      (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 97)) (i32.const 6))))

  ;; Letters, digits and _ - + / . ~: the characters of keys and of (URL-safe) base64.
  (func $isToken (param $c i32) (result i32)
    (i32.or
      (i32.or
        (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
        (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 97)) (i32.const 26)))
      (i32.or
        (i32.or (i32.eq (local.get $c) (i32.const 95)) (i32.eq (local.get $c) (i32.const 45)))
        (i32.or
          (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 47)))
          (i32.or (i32.eq (local.get $c) (i32.const 46)) (i32.eq (local.get $c) (i32.const 126)))))))

  ;; Where an IBAN, a NINO ("[A-Z][A-Z] ?\d") or a NIE ("[XYZ]\d") may start before the digit run
  ;; at $g: written at $out; returns the next free address.
  (func $letterStarts (param $g i32) (param $out i32) (result i32)
    (local $a i32) (local $c1 i32)
    (local.set $a (i32.add (global.get $text) (local.get $g)))
    (local.set $c1 (i32.load8_u (i32.sub (local.get $a) (i32.const 1))))
    (if (i32.eq (local.get $c1) (i32.const 32))
      (then
        (if (i32.and
              (call $isUpper (i32.load8_u (i32.sub (local.get $a) (i32.const 3))))
              (call $isUpper (i32.load8_u (i32.sub (local.get $a) (i32.const 2)))))
          (then
            (i32.store (local.get $out) (i32.sub (local.get $g) (i32.const 3)))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))))
        (return (local.get $out))))
    (if (i32.eqz (call $isUpper (local.get $c1))) (then (return (local.get $out))))
    (if (call $isUpper (i32.load8_u (i32.sub (local.get $a) (i32.const 2))))
      (then
        (i32.store (local.get $out) (i32.sub (local.get $g) (i32.const 2)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))))
    ;; X, Y or Z
    (if (i32.lt_u (i32.sub (local.get $c1) (i32.const 88)) (i32.const 3))
      (then
        (i32.store (local.get $out) (i32.sub (local.get $g) (i32.const 1)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))))
    (local.get $out))

  ;; A token run [$s, $e) of at least 18 characters: with up to two "=" of base64 padding after it
  ;; (when no token character follows them), a secret candidate if 20 to 512 long. Written at $out
  ;; as start, end; returns the next free address.
  (func $longToken (param $s i32) (param $e i32) (param $out i32) (result i32)
    (local $pad i32)
    (local.set $pad (local.get $e))
    (block $padded
      (loop $padding
        (br_if $padded (i32.ge_u (i32.sub (local.get $pad) (local.get $e)) (i32.const 2)))
        (br_if $padded (i32.ne (i32.load8_u (i32.add (global.get $text) (local.get $pad))) (i32.const 61)))
        (local.set $pad (i32.add (local.get $pad) (i32.const 1)))
        (br $padding)))
    (if (i32.and
          (i32.gt_u (local.get $pad) (local.get $e))
          (i32.eqz (call $isToken (i32.load8_u (i32.add (global.get $text) (local.get $pad))))))
      (then (local.set $e (local.get $pad))))
    (if (i32.and
          (i32.ge_u (i32.sub (local.get $e) (local.get $s)) (i32.const 20))
          (i32.le_u (i32.sub (local.get $e) (local.get $s)) (i32.const 512)))
      (then
        (i32.store (local.get $out) (local.get $s))
        (i32.store offset=4 (local.get $out) (local.get $e))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))))
    (local.get $out))

  ;; A mark: position * 8 + kind (0 "@", 1 "+", 2 a colon pair, 3 a JWT, 4 a PEM header).
  (func $mark (param $pos i32) (param $kind i32)
    (i32.store (global.get $marks) (i32.or (i32.shl (local.get $pos) (i32.const 3)) (local.get $kind)))
    (global.set $marks (i32.add (global.get $marks) (i32.const 4))))

  ;; A colon followed by a hex digit or a colon: a pair if at most four hex digits, then ":", follow
  ;; (every IPv6 address has one).
  (func $colonPair (param $pos i32)
    (local $a i32) (local $j i32)
    (local.set $a (i32.add (global.get $text) (local.get $pos)))
    (local.set $j (i32.add (local.get $a) (i32.const 1)))
    (block $hexEnd
      (loop $hex
        (br_if $hexEnd (i32.ge_u (local.get $j) (i32.add (local.get $a) (i32.const 5))))
        (br_if $hexEnd (i32.eqz (call $isHex (i32.load8_u (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $hex)))
    (if (i32.eq (i32.load8_u (local.get $j)) (i32.const 58)) (then (call $mark (local.get $pos) (i32.const 2)))))

  ;; A "B" after "-": a private key if "-----BEGIN " is there.
  (func $pem (param $pos i32)
    (local $a i32)
    (local.set $a (i32.add (global.get $text) (local.get $pos)))
    (if (i32.and
          (i64.eq (i64.load (i32.sub (local.get $a) (i32.const 5))) (i64.const 0x4745422d2d2d2d2d))
          (i32.and
            (i32.eq (i32.load16_u (i32.add (local.get $a) (i32.const 3))) (i32.const 0x4e49))
            (i32.eq (i32.load8_u (i32.add (local.get $a) (i32.const 5))) (i32.const 32))))
      (then (call $mark (i32.sub (local.get $pos) (i32.const 5)) (i32.const 4)))))

  ;; A "p" before "a" or "w", either in any case: "pass" or "pwd" is a hint a password field's name
  ;; may be in the text (kept once found: several may be looked at in one block).
  (func $passwordHint (param $pos i32)
    (local $a i32) (local $c1 i32)
    (local.set $a (i32.add (global.get $text) (local.get $pos)))
    (local.set $c1 (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 1))) (i32.const 32)))
    (global.set $hint
      (i32.or (global.get $hint) (i32.or
        (i32.and
          (i32.eq (local.get $c1) (i32.const 97))
          (i32.and
            (i32.eq (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 2))) (i32.const 32)) (i32.const 115))
            (i32.eq (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 3))) (i32.const 32)) (i32.const 115))))
        (i32.and
          (i32.eq (local.get $c1) (i32.const 119))
          (i32.eq (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 2))) (i32.const 32)) (i32.const 100)))))))

  ;; The issuer prefixes the character at $pos triggers, in their order, compared where each would
  ;; start.
  (func $prefixStarts (param $pos i32)
    (local $a i32) (local $c i32) (local $r i32) (local $end i32) (local $rule i32) (local $p i32) (local $n i32) (local $q i32)
    (local.set $a (i32.add (global.get $text) (local.get $pos)))
    (local.set $c (i32.load8_u (local.get $a)))
    (local.set $r (i32.load8_u (i32.shl (local.get $c) (i32.const 1))))
    (local.set $end (i32.load8_u (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1))))
    (block $rulesDone
      (loop $rules
        (br_if $rulesDone (i32.ge_u (local.get $r) (local.get $end)))
        (local.set $rule (i32.add (i32.const 512) (i32.shl (local.get $r) (i32.const 6))))
        (local.set $p (i32.sub (local.get $a) (i32.load8_u (local.get $rule))))
        (local.set $n (i32.load8_u offset=1 (local.get $rule)))
        (local.set $q (i32.const 0))
        (block $differs
          (loop $compare
            (br_if $differs (i32.ge_u (local.get $q) (local.get $n)))
            (br_if $differs
              (i32.ne
                (i32.load8_u (i32.add (local.get $p) (local.get $q)))
                (i32.load8_u offset=16 (i32.add (local.get $rule) (local.get $q)))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $compare)))
        (if (i32.eq (local.get $q) (local.get $n))
          (then
            (i32.store (global.get $prefixes) (i32.sub (local.get $p) (global.get $text)))
            (i32.store offset=4 (global.get $prefixes) (i32.load8_u offset=2 (local.get $rule)))
            (global.set $prefixes (i32.add (global.get $prefixes) (i32.const 8)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rules))))

  ;; Walks the text of $len characters. Writes the digit runs' starts and ends (in order, so start,
  ;; end pairs) at $groups, letter-code starts at $letters, long tokens' start, end pairs at
  ;; $tokens, marks at $marksOut, issuer-prefix start, number pairs at $prefixesOut; the counts (in
  ;; 32-bit values written) at 3584.
  (func (export "walk") (param $len i32) (param $groups i32) (param $letters i32) (param $tokens i32) (param $marksOut i32) (param $prefixesOut i32)
    (local $i i32) (local $a i32) (local $v v128) (local $before v128) (local $after v128) (local $low v128) (local $digit v128)
    (local $D i32) (local $T i32) (local $x i32) (local $k i32) (local $pos i32) (local $e i32)
    (local $carryD i32) (local $carryT i32) (local $runStart i32)
    (local $g i32) (local $l i32) (local $t i32)
    (local $triggersWithin v128) (local $beforeTriggers v128) (local $triggersFirst v128) (local $afterTriggers v128)
    (local $lov v128) (local $hiv v128) (local $lobefore v128) (local $hibefore v128) (local $loafter v128) (local $hiafter v128)
    (local.set $triggersWithin (v128.load (i32.const 4096)))
    (local.set $beforeTriggers (v128.load (i32.const 4112)))
    (local.set $triggersFirst (v128.load (i32.const 4128)))
    (local.set $afterTriggers (v128.load (i32.const 4144)))
    (local.set $g (local.get $groups))
    (local.set $l (local.get $letters))
    (local.set $t (local.get $tokens))
    (global.set $marks (local.get $marksOut))
    (global.set $prefixes (local.get $prefixesOut))
    (global.set $hint (i32.const 0))
    ;; Up to and including the block that holds position $len: a run ending at the text's end ends
    ;; at its first zero byte.
    (block $done
      (loop $block
        (br_if $done (i32.gt_u (local.get $i) (local.get $len)))
        (local.set $a (i32.add (global.get $text) (local.get $i)))
        (local.set $v (v128.load (local.get $a)))
        ;; the characters one before and one after each
        (local.set $before (v128.load (i32.sub (local.get $a) (i32.const 1))))
        (local.set $after (v128.load offset=1 (local.get $a)))
        (local.set $low (v128.or (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
        (local.set $digit (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)))
        (local.set $D (i8x16.bitmask (local.get $digit)))
        (local.set $T
          (i8x16.bitmask
            (v128.or
              (v128.or
                (v128.or (local.get $digit) (i8x16.lt_u (i8x16.sub (local.get $low) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97)) (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26)))
                (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95)) (i8x16.eq (local.get $v) (v128.const i8x16 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45))))
              (v128.or
                (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43)) (i8x16.eq (local.get $v) (v128.const i8x16 47 47 47 47 47 47 47 47 47 47 47 47 47 47 47 47)))
                (v128.or (i8x16.eq (local.get $v) (v128.const i8x16 46 46 46 46 46 46 46 46 46 46 46 46 46 46 46 46)) (i8x16.eq (local.get $v) (v128.const i8x16 126 126 126 126 126 126 126 126 126 126 126 126 126 126 126 126)))))))

        ;; Digit runs: every bit where the digit mask changes is a run's start or end, in turn.
        (local.set $x (i32.and (i32.xor (local.get $D) (i32.or (i32.shl (local.get $D) (i32.const 1)) (local.get $carryD))) (i32.const 0xffff)))
        (local.set $carryD (i32.shr_u (local.get $D) (i32.const 15)))
        (block $digitsDone
          (loop $digits
            (br_if $digitsDone (i32.eqz (local.get $x)))
            (local.set $k (i32.ctz (local.get $x)))
            (local.set $pos (i32.add (local.get $i) (local.get $k)))
            (i32.store (local.get $g) (local.get $pos))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (if (i32.and (i32.shr_u (local.get $D) (local.get $k)) (i32.const 1))
              (then (local.set $l (call $letterStarts (local.get $pos) (local.get $l)))))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $digits)))

        ;; Token runs: one of 18 characters or more (a secret candidate, with padding) cannot lie
        ;; within a block, so only the run going on from the block before can end as one, at the
        ;; block's first character that is no token character.
        (if (local.get $carryT)
          (then
            (local.set $e (i32.ctz (i32.or (i32.xor (local.get $T) (i32.const 0xffff)) (i32.const 0x10000))))
            (if (i32.and
                  (i32.lt_u (local.get $e) (i32.const 16))
                  (i32.ge_u (i32.sub (i32.add (local.get $i) (local.get $e)) (local.get $runStart)) (i32.const 18)))
              (then (local.set $t (call $longToken (local.get $runStart) (i32.add (local.get $i) (local.get $e)) (local.get $t)))))))
        ;; A run going on into the next block started after the block's last other character.
        (if (i32.and (local.get $T) (i32.const 0x8000))
          (then
            (if (i32.ne (local.get $T) (i32.const 0xffff))
              (then (local.set $runStart (i32.sub (i32.add (local.get $i) (i32.const 32)) (i32.clz (i32.xor (local.get $T) (i32.const 0xffff))))))
              (else (if (i32.eqz (local.get $carryT)) (then (local.set $runStart (local.get $i))))))))
        (local.set $carryT (i32.shr_u (local.get $T) (i32.const 15)))

        ;; "@" and "+": anchors as they are
        (local.set $x (i8x16.bitmask (i8x16.eq (local.get $v) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64))))
        (block $atsDone
          (loop $ats
            (br_if $atsDone (i32.eqz (local.get $x)))
            (call $mark (i32.add (local.get $i) (i32.ctz (local.get $x))) (i32.const 0))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $ats)))
        (local.set $x (i8x16.bitmask (i8x16.eq (local.get $v) (v128.const i8x16 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43))))
        (block $plusesDone
          (loop $pluses
            (br_if $plusesDone (i32.eqz (local.get $x)))
            (call $mark (i32.add (local.get $i) (i32.ctz (local.get $x))) (i32.const 1))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $pluses)))
        ;; ":" before a hex digit or ":"
        (local.set $x
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (local.get $v) (v128.const i8x16 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58))
              (v128.or
                (v128.or
                  (i8x16.lt_u (i8x16.sub (local.get $after) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
                  (i8x16.lt_u (i8x16.sub (v128.or (local.get $after) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97)) (v128.const i8x16 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6)))
                (i8x16.eq (local.get $after) (v128.const i8x16 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58))))))
        (block $colonsDone
          (loop $colons
            (br_if $colonsDone (i32.eqz (local.get $x)))
            (call $colonPair (i32.add (local.get $i) (i32.ctz (local.get $x))))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $colons)))
        ;; "eyJ": a JWT's start
        (local.set $x
          (i8x16.bitmask
            (v128.and
              (v128.and (i8x16.eq (local.get $v) (v128.const i8x16 74 74 74 74 74 74 74 74 74 74 74 74 74 74 74 74)) (i8x16.eq (local.get $before) (v128.const i8x16 121 121 121 121 121 121 121 121 121 121 121 121 121 121 121 121)))
              (i8x16.eq (v128.load (i32.sub (local.get $a) (i32.const 2))) (v128.const i8x16 101 101 101 101 101 101 101 101 101 101 101 101 101 101 101 101)))))
        (block $jwtsDone
          (loop $jwts
            (br_if $jwtsDone (i32.eqz (local.get $x)))
            (call $mark (i32.sub (i32.add (local.get $i) (i32.ctz (local.get $x))) (i32.const 2)) (i32.const 3))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $jwts)))
        ;; "-B"
        (local.set $x (i8x16.bitmask (v128.and (i8x16.eq (local.get $v) (v128.const i8x16 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66)) (i8x16.eq (local.get $before) (v128.const i8x16 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45)))))
        (block $pemsDone
          (loop $pems
            (br_if $pemsDone (i32.eqz (local.get $x)))
            (call $pem (i32.add (local.get $i) (i32.ctz (local.get $x))))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $pems)))
        ;; "pa" or "pw" in any case, until a password hint is found
        (if (i32.eqz (global.get $hint))
          (then
            (local.set $x
              (i8x16.bitmask
                (v128.and
                  (i8x16.eq (local.get $low) (v128.const i8x16 112 112 112 112 112 112 112 112 112 112 112 112 112 112 112 112))
                  (v128.or
                    (i8x16.eq (v128.or (local.get $after) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97))
                    (i8x16.eq (v128.or (local.get $after) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)) (v128.const i8x16 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119 119))))))
            (block $hintsDone
              (loop $hints
                (br_if $hintsDone (i32.eqz (local.get $x)))
                (call $passwordHint (i32.add (local.get $i) (i32.ctz (local.get $x))))
                (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
                (br $hints)))))
        ;; where an issuer prefix may be: a trigger character with a character of one of its prefixes
        ;; before or after it. A character c is in a set (as at 4096) if bit c >> 4 is set in the
        ;; set's byte c & 15 (two swizzles); c >> 4 is 8 or more outside ASCII, which no bit stands for.
        (local.set $lov (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $hiv (i8x16.swizzle (v128.const i8x16 1 2 4 8 16 32 64 128 0 0 0 0 0 0 0 0) (i8x16.shr_u (local.get $v) (i32.const 4))))
        (local.set $lobefore (v128.and (local.get $before) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $hibefore (i8x16.swizzle (v128.const i8x16 1 2 4 8 16 32 64 128 0 0 0 0 0 0 0 0) (i8x16.shr_u (local.get $before) (i32.const 4))))
        (local.set $loafter (v128.and (local.get $after) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
        (local.set $hiafter (i8x16.swizzle (v128.const i8x16 1 2 4 8 16 32 64 128 0 0 0 0 0 0 0 0) (i8x16.shr_u (local.get $after) (i32.const 4))))
        (local.set $x
          (i8x16.bitmask
            (v128.or
              (v128.and
                (i8x16.ne (v128.and (i8x16.swizzle (local.get $triggersWithin) (local.get $lov)) (local.get $hiv)) (v128.const i64x2 0 0))
                (i8x16.ne (v128.and (i8x16.swizzle (local.get $beforeTriggers) (local.get $lobefore)) (local.get $hibefore)) (v128.const i64x2 0 0)))
              (v128.and
                (i8x16.ne (v128.and (i8x16.swizzle (local.get $triggersFirst) (local.get $lov)) (local.get $hiv)) (v128.const i64x2 0 0))
                (i8x16.ne (v128.and (i8x16.swizzle (local.get $afterTriggers) (local.get $loafter)) (local.get $hiafter)) (v128.const i64x2 0 0))))))
        (block $triggersDone
          (loop $triggers
            (br_if $triggersDone (i32.eqz (local.get $x)))
            (call $prefixStarts (i32.add (local.get $i) (i32.ctz (local.get $x))))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $triggers)))

        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $block)))
    (i32.store (i32.const 3584) (i32.shr_u (i32.sub (local.get $g) (local.get $groups)) (i32.const 2)))
    (i32.store (i32.const 3588) (i32.shr_u (i32.sub (local.get $l) (local.get $letters)) (i32.const 2)))
    (i32.store (i32.const 3592) (i32.shr_u (i32.sub (local.get $t) (local.get $tokens)) (i32.const 2)))
    (i32.store (i32.const 3596) (i32.shr_u (i32.sub (global.get $marks) (local.get $marksOut)) (i32.const 2)))
    (i32.store (i32.const 3600) (i32.shr_u (i32.sub (global.get $prefixes) (local.get $prefixesOut)) (i32.const 2)))
    (i32.store (i32.const 3604) (global.get $hint)))
)
