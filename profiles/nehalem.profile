# nehalem.profile - Intel Core i7 / Xeon 5500 (Nehalem), as the Xeon X5570 of the SplitX measurements.
# Format and keys: README.md. Sources checked so far: /work/shared/COSTS.md.
name         nehalem
description  Intel Xeon X5570 (Nehalem-EP, 2009)

frequency    2.93 GHz # source: Intel product specifications (ark.intel.com), Xeon X5570 base frequency 2.93 GHz

cycles.alu           1    # estimate: latency 1 for ADD/MOV r,r in Agner Fog's instruction tables (to check)
cycles.mul           3    # estimate: IMUL r32,r32 latency 3 in Agner Fog's instruction tables (to check)
cycles.div           24   # estimate: DIV r32 latency 17-28 in Agner Fog's instruction tables (to check)
cycles.branch_taken  1    # estimate: a correctly predicted taken branch; no branch predictor is modelled
cycles.call_ret      2    # estimate: CALL/RET with a correct return-stack prediction
cycles.string_iter   1    # estimate: one element per cycle
cycles.system        25   # estimate: serializing system instructions; no citable figure

cycles.walk_ref      10   # estimate: assumes each paging-structure entry hits in L2 (L2 latency per the Intel optimization manual, to check)
cycles.tlb_miss      7    # estimate: fixed cost of an L1 DTLB miss that hits the L2 TLB (to check)
cycles.pwc_hit       2    # estimate: no published latency for paging-structure-cache hits
cycles.exception     200  # estimate: COSTS.md has only low-reliability ns figures for trap-gate delivery
cycles.interrupt     220  # estimate: exception delivery plus the INTA cycle
cycles.cr3_write     80   # estimate: no citable number for a CR3 write (COSTS.md)
cycles.tlb_flush     10   # estimate: the flush itself; misses that follow are charged as they happen

cycles.vm_exit       1100 # estimate: SplitX (Landau et al.) measured ~2,000 cycles per direct exit on a Xeon X5570 with KVM (COSTS.md, checked); exit share is a guess
cycles.vm_entry      900  # estimate: the entry share of the same ~2,000-cycle round trip

tlb.itlb_4k          128  # estimate: re-read the Nehalem ITLB row of the Intel optimization manual
tlb.dtlb_4k          64   # source: Intel optimization manual, Nehalem L1 DTLB 64 entries for 4K pages (COSTS.md, checked)
tlb.dtlb_2m          32   # source: Intel optimization manual, Nehalem L1 DTLB 32 entries for 2M/4M pages (COSTS.md, checked)
tlb.dtlb_1g          0    # estimate: 1 GiB pages are assumed to arrive after Nehalem (check CPUID.80000001H:EDX[26] on the part)
tlb.stlb             512  # source: Intel optimization manual, Nehalem unified L2 TLB 512 entries (COSTS.md, checked)
tlb.pwc              32   # estimate: paging-structure cache sizes are not published
