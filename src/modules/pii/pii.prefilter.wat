;; The personal-data scan's prefilter walk (pii.prefilter.ts loads it; pii.prefilter.wasm is this
;; file assembled, and test/pii/prefilter-wasm.test.ts checks the two agree). It reads the text's
;; character codes (everything outside ASCII as a byte of 128 or more) 16 at a time with SIMD
;; compares, turns each block into bit masks of digits, token characters and the characters it
;; stops at, and does scalar work only where a mask changes or has a stop character: the anchors
;; every detector starts from. test/pii/reference-prefilter.ts is the same walk in JavaScript, one
;; character at a time; test/pii/prefilter.test.ts checks both give the same anchors.
;;
;; Memory (byte addresses):
;;   0..511      per character code c: first (at 2c) and past-last (at 2c+1) number of the issuer
;;               prefixes it triggers (written by pii.prefilter.ts)
;;   512..3583   the prefixes, 64 bytes each: at (where in the prefix its trigger is), length,
;;               prefix number, then from byte 16 the prefix itself
;;   3584..3607  what walk() found: counts of groups, letter starts, long-token values, marks,
;;               prefix values, and the password hint
;;   3648..4095  zeros: a look behind the text's start reads no character
;;   4096..      the text, then at least 48 zero bytes (the last block's loads and looks ahead)
;; Positions written out are relative to the text's start.
(module
  (memory (export "memory") 1)

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
    (local.set $a (i32.add (i32.const 4096) (local.get $g)))
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
        (br_if $padded (i32.ne (i32.load8_u (i32.add (i32.const 4096) (local.get $pad))) (i32.const 61)))
        (local.set $pad (i32.add (local.get $pad) (i32.const 1)))
        (br $padding)))
    (if (i32.and
          (i32.gt_u (local.get $pad) (local.get $e))
          (i32.eqz (call $isToken (i32.load8_u (i32.add (i32.const 4096) (local.get $pad))))))
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

  ;; The anchors at a stop character: "@", "+", ":", "J", "B", "p"/"P", and issuer prefixes.
  (func $stop (param $pos i32)
    (local $a i32) (local $c i32) (local $j i32) (local $c1 i32)
    (local $r i32) (local $end i32) (local $rule i32) (local $p i32) (local $n i32) (local $q i32)
    (local.set $a (i32.add (i32.const 4096) (local.get $pos)))
    (local.set $c (i32.load8_u (local.get $a)))
    (block $special
      (if (i32.eq (local.get $c) (i32.const 64)) (then (call $mark (local.get $pos) (i32.const 0)) (br $special)))
      (if (i32.eq (local.get $c) (i32.const 43)) (then (call $mark (local.get $pos) (i32.const 1)) (br $special)))
      ;; ":", at most four hex digits, ":" (every IPv6 address has one)
      (if (i32.eq (local.get $c) (i32.const 58))
        (then
          (local.set $j (i32.add (local.get $a) (i32.const 1)))
          (block $hexEnd
            (loop $hex
              (br_if $hexEnd (i32.ge_u (local.get $j) (i32.add (local.get $a) (i32.const 5))))
              (br_if $hexEnd (i32.eqz (call $isHex (i32.load8_u (local.get $j)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $hex)))
          (if (i32.eq (i32.load8_u (local.get $j)) (i32.const 58)) (then (call $mark (local.get $pos) (i32.const 2))))
          (br $special)))
      ;; "eyJ"
      (if (i32.eq (local.get $c) (i32.const 74))
        (then
          (if (i32.and
                (i32.eq (i32.load8_u (i32.sub (local.get $a) (i32.const 1))) (i32.const 121))
                (i32.eq (i32.load8_u (i32.sub (local.get $a) (i32.const 2))) (i32.const 101)))
            (then (call $mark (i32.sub (local.get $pos) (i32.const 2)) (i32.const 3))))
          (br $special)))
      ;; "-----BEGIN "
      (if (i32.eq (local.get $c) (i32.const 66))
        (then
          (if (i32.and
                (i64.eq (i64.load (i32.sub (local.get $a) (i32.const 5))) (i64.const 0x4745422d2d2d2d2d))
                (i32.and
                  (i32.eq (i32.load16_u (i32.add (local.get $a) (i32.const 3))) (i32.const 0x4e49))
                  (i32.eq (i32.load8_u (i32.add (local.get $a) (i32.const 5))) (i32.const 32))))
            (then (call $mark (i32.sub (local.get $pos) (i32.const 5)) (i32.const 4))))
          (br $special)))
      ;; "pass" or "pwd" in any case: a password field's name may be in the text
      (if (i32.eq (i32.or (local.get $c) (i32.const 32)) (i32.const 112))
        (then
          (if (i32.eqz (global.get $hint))
            (then
              (local.set $c1 (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 1))) (i32.const 32)))
              (global.set $hint
                (i32.or
                  (i32.and
                    (i32.eq (local.get $c1) (i32.const 97))
                    (i32.and
                      (i32.eq (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 2))) (i32.const 32)) (i32.const 115))
                      (i32.eq (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 3))) (i32.const 32)) (i32.const 115))))
                  (i32.and
                    (i32.eq (local.get $c1) (i32.const 119))
                    (i32.eq (i32.or (i32.load8_u (i32.add (local.get $a) (i32.const 2))) (i32.const 32)) (i32.const 100)))))))
          (return))))
    ;; The issuer prefixes this character triggers, in their order: compared where each would start.
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
            (i32.store (global.get $prefixes) (i32.sub (local.get $p) (i32.const 4096)))
            (i32.store offset=4 (global.get $prefixes) (i32.load8_u offset=2 (local.get $rule)))
            (global.set $prefixes (i32.add (global.get $prefixes) (i32.const 8)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rules))))

  ;; Walks the text of $len characters at 4096. Writes the digit runs' starts and ends (in order,
  ;; so start, end pairs) at $groups, letter-code starts at $letters, long tokens' start, end pairs
  ;; at $tokens, marks at $marksOut, issuer-prefix start, number pairs at $prefixesOut; the counts
  ;; (in 32-bit values written) at 3584.
  (func (export "walk") (param $len i32) (param $groups i32) (param $letters i32) (param $tokens i32) (param $marksOut i32) (param $prefixesOut i32)
    (local $i i32) (local $v v128) (local $low v128) (local $digit v128) (local $plus v128) (local $under v128) (local $dash v128)
    (local $D i32) (local $T i32) (local $M i32) (local $x i32) (local $k i32) (local $pos i32)
    (local $carryD i32) (local $carryT i32) (local $runStart i32)
    (local $g i32) (local $l i32) (local $t i32)
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
        (local.set $v (v128.load (i32.add (i32.const 4096) (local.get $i))))
        (local.set $low (v128.or (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))
        (local.set $digit
          (i8x16.lt_u
            (i8x16.sub (local.get $v) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))
            (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)))
        (local.set $plus (i8x16.eq (local.get $v) (v128.const i8x16 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43 43)))
        (local.set $under (i8x16.eq (local.get $v) (v128.const i8x16 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95 95)))
        (local.set $dash (i8x16.eq (local.get $v) (v128.const i8x16 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45 45)))
        (local.set $D (i8x16.bitmask (local.get $digit)))
        (local.set $T
          (i8x16.bitmask
            (v128.or
              (v128.or
                (v128.or (local.get $digit)
                  (i8x16.lt_u
                    (i8x16.sub (local.get $low) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97))
                    (v128.const i8x16 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26)))
                (v128.or (local.get $plus) (v128.or (local.get $under) (local.get $dash))))
              (v128.or
                (i8x16.eq (local.get $v) (v128.const i8x16 47 47 47 47 47 47 47 47 47 47 47 47 47 47 47 47))
                (v128.or
                  (i8x16.eq (local.get $v) (v128.const i8x16 46 46 46 46 46 46 46 46 46 46 46 46 46 46 46 46))
                  (i8x16.eq (local.get $v) (v128.const i8x16 126 126 126 126 126 126 126 126 126 126 126 126 126 126 126 126)))))))
        ;; the stop characters: @ : + _ - A B J and p in either case
        (local.set $M
          (i8x16.bitmask
            (v128.or
              (v128.or
                (v128.or (local.get $plus) (v128.or (local.get $under) (local.get $dash)))
                (v128.or
                  (i8x16.eq (local.get $v) (v128.const i8x16 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64))
                  (i8x16.eq (local.get $v) (v128.const i8x16 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58))))
              (v128.or
                (v128.or
                  (i8x16.eq (local.get $v) (v128.const i8x16 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65 65))
                  (i8x16.eq (local.get $v) (v128.const i8x16 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66)))
                (v128.or
                  (i8x16.eq (local.get $v) (v128.const i8x16 74 74 74 74 74 74 74 74 74 74 74 74 74 74 74 74))
                  (i8x16.eq (local.get $low) (v128.const i8x16 112 112 112 112 112 112 112 112 112 112 112 112 112 112 112 112)))))))

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

        ;; Token runs: only one of 18 characters or more can make a secret candidate.
        (local.set $x (i32.and (i32.xor (local.get $T) (i32.or (i32.shl (local.get $T) (i32.const 1)) (local.get $carryT))) (i32.const 0xffff)))
        (local.set $carryT (i32.shr_u (local.get $T) (i32.const 15)))
        (block $tokensDone
          (loop $tokenEdges
            (br_if $tokensDone (i32.eqz (local.get $x)))
            (local.set $k (i32.ctz (local.get $x)))
            (local.set $pos (i32.add (local.get $i) (local.get $k)))
            (if (i32.and (i32.shr_u (local.get $T) (local.get $k)) (i32.const 1))
              (then (local.set $runStart (local.get $pos)))
              (else
                (if (i32.ge_u (i32.sub (local.get $pos) (local.get $runStart)) (i32.const 18))
                  (then (local.set $t (call $longToken (local.get $runStart) (local.get $pos) (local.get $t)))))))
            (local.set $x (i32.and (local.get $x) (i32.sub (local.get $x) (i32.const 1))))
            (br $tokenEdges)))

        (block $stopsDone
          (loop $stops
            (br_if $stopsDone (i32.eqz (local.get $M)))
            (call $stop (i32.add (local.get $i) (i32.ctz (local.get $M))))
            (local.set $M (i32.and (local.get $M) (i32.sub (local.get $M) (i32.const 1))))
            (br $stops)))

        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $block)))
    (i32.store (i32.const 3584) (i32.shr_u (i32.sub (local.get $g) (local.get $groups)) (i32.const 2)))
    (i32.store (i32.const 3588) (i32.shr_u (i32.sub (local.get $l) (local.get $letters)) (i32.const 2)))
    (i32.store (i32.const 3592) (i32.shr_u (i32.sub (local.get $t) (local.get $tokens)) (i32.const 2)))
    (i32.store (i32.const 3596) (i32.shr_u (i32.sub (global.get $marks) (local.get $marksOut)) (i32.const 2)))
    (i32.store (i32.const 3600) (i32.shr_u (i32.sub (global.get $prefixes) (local.get $prefixesOut)) (i32.const 2)))
    (i32.store (i32.const 3604) (global.get $hint)))
)
