"use client";

import { PrinterIcon } from "lucide-react";
import { Button } from "./ui/button";

export function PrintButton({ label }: { label: string }) {
  return (
    <Button variant="outline" onClick={() => window.print()} className="print:hidden">
      <PrinterIcon /> {label}
    </Button>
  );
}
