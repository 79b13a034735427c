# skylake.profile - Intel Core, 6th generation (Skylake client), as a Core i7-6700.
# Format and keys: README.md. Sources checked so far: /work/shared/COSTS.md.
name         skylake
description  Intel Core i7-6700 (Skylake, 2015)

frequency    3.4 GHz  # source: Intel product specifications (ark.intel.com), Core i7-6700 base frequency 3.40 GHz

# Instruction classes: cycles charged per retired instruction. vtsim has no
# pipeline model, so these are latencies of one isolated instruction.
cycles.alu           1    # estimate: latency 1 for ADD/MOV r,r in Agner Fog's instruction tables (to check)
cycles.mul           3    # estimate: IMUL r32,r32 latency 3 in Agner Fog's instruction tables and uops.info (to check)
cycles.div           26   # estimate: DIV r32 latency about 26 in Agner Fog's instruction tables (to check; r64 is slower)
cycles.branch_taken  1    # estimate: a correctly predicted taken branch; no branch predictor is modelled
cycles.call_ret      2    # estimate: CALL/RET with a correct return-stack prediction
cycles.string_iter   1    # estimate: one element per cycle; fast-string microcode moves more for long REP MOVS
cycles.system        20   # estimate: serializing system instructions (MOV CR, LGDT); no citable figure

# The MMU.
cycles.walk_ref      12   # estimate: assumes each paging-structure entry hits in L2 (L2 latency per the Intel optimization manual, to check)
cycles.tlb_miss      9    # estimate: fixed cost of an L1 DTLB miss that hits the STLB (to check)
cycles.pwc_hit       2    # estimate: paging-structure caches (SDM Vol. 3A 4.10.3) skip levels; no published latency
cycles.exception     150  # estimate: trap-gate delivery; COSTS.md has only low-reliability ns figures
cycles.interrupt     170  # estimate: exception delivery plus the INTA cycle
cycles.cr3_write     60   # estimate: no citable number for a CR3 write (COSTS.md)
cycles.tlb_flush     10   # estimate: the flush itself; the real cost is the misses that follow, charged as they happen

# VMX transitions.
cycles.vm_exit       700  # estimate: Dall et al. ISCA 2016 report ~1,300 cycles per hypercall on Haswell (to check); split 55/45
cycles.vm_entry      600  # estimate: the entry half of the same round trip

# Translation caches (entries).
tlb.itlb_4k          128  # estimate: as Haswell's ITLB in the Intel optimization manual (re-read the Skylake table)
tlb.dtlb_4k          64   # estimate: Haswell L1 DTLB 64 (4K) per the optimization manual (COSTS.md, checked for Haswell)
tlb.dtlb_2m          32   # estimate: Haswell L1 DTLB 32 (2M/4M) per the optimization manual (COSTS.md, checked for Haswell)
tlb.dtlb_1g          4    # estimate: Haswell L1 DTLB 4 (1G) per the optimization manual (COSTS.md, checked for Haswell)
tlb.stlb             1536 # source: Intel optimization manual, Skylake second-level TLB 1,536 entries (COSTS.md, checked)
tlb.pwc              32   # estimate: paging-structure cache sizes are not published (Barr et al. ISCA 2010 discuss their design)
