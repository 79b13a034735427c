# p4-prescott.profile - Intel Pentium 4 (Prescott, 90 nm), as a Pentium 4 670; the first VT-x parts were Prescott-based.
# Format and keys: README.md. Sources checked so far: /work/shared/COSTS.md.
name         p4-prescott
description  Intel Pentium 4 670 (Prescott 2M, 2005)

frequency    3.8 GHz  # source: Intel product specifications (ark.intel.com), Pentium 4 670 3.80 GHz

cycles.alu           1    # estimate: the double-pumped ALU retires simple ops in half a cycle or one; modelled as 1
cycles.mul           10   # estimate: IMUL r32 latency ~10 on Prescott in Agner Fog's instruction tables (to check)
cycles.div           70   # estimate: DIV r32 latency ~66-80 on Prescott in Agner Fog's instruction tables (to check)
cycles.branch_taken  2    # estimate: a predicted taken branch through the trace cache; no branch predictor is modelled
cycles.call_ret      4    # estimate: CALL/RET with a correct return-stack prediction
cycles.string_iter   2    # estimate: one element per two cycles
cycles.system        60   # estimate: serializing system instructions flush a long pipeline; no citable figure

cycles.walk_ref      28   # estimate: assumes each paging-structure entry hits in L2 (Prescott's L2 latency, to check)
cycles.tlb_miss      20   # estimate: fixed cost of a DTLB miss; Prescott has no second-level TLB
cycles.pwc_hit       4    # estimate: no published latency
cycles.exception     600  # estimate: exception delivery drains the deep pipeline; Adams & Agesen ASPLOS 2006 measured divzero/pgfault natively (to check)
cycles.interrupt     650  # estimate: exception delivery plus the INTA cycle
cycles.cr3_write     150  # estimate: no citable number for a CR3 write (COSTS.md)
cycles.tlb_flush     10   # estimate: the flush itself; misses that follow are charged as they happen

cycles.vm_exit       3000 # estimate: the first VT-x was slower than Merom's; Adams & Agesen ASPLOS 2006 give P4 nanobenchmarks (to check before trusting this)
cycles.vm_entry      2000 # estimate: the entry share of a ~5,000-cycle round trip

tlb.itlb_4k          64   # estimate: re-read the Pentium 4 ITLB row of the Intel optimization manual
tlb.dtlb_4k          64   # estimate: Pentium 4 DTLB of 64 entries shared by 4K and large pages (to check in the optimization manual)
tlb.dtlb_2m          64   # estimate: the same 64 entries also hold large pages
tlb.dtlb_1g          0    # estimate: 1 GiB pages did not exist on NetBurst
tlb.stlb             0    # estimate: no second-level TLB
tlb.pwc              0    # estimate: no paging-structure caches are modelled for NetBurst
