"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { GraduationCapIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { trainerKinds, trainingResults, type TrainerKind, type TrainingResult, type UserRole } from "@/db/schema/values";
import { staffListInput } from "@/server/schemas/training";
import { FormDialog } from "@/app/_components/form-dialog";
import { FieldError, invalidProps } from "@/app/_components/form-error";
import { TrainingStateBadge, useCourseText } from "@/app/_components/training";
import { Button } from "@/app/_components/ui/button";
import { Input, Label, Select, Textarea } from "@/app/_components/ui/input";
import { fleetToday } from "@/app/_lib/fleet-day";
import { useTRPC } from "@/app/_lib/trpc/client";

type Attendance = { result: TrainingResult; score: string };

/**
 * One session of a course for several of a store's staff. Technicians record the sessions they
 * gave; merchant owners and admins name the trainer.
 */
export function RecordSessionDialog({ role, viewer }: { role: UserRole; viewer: { id: string; name: string } }) {
  const t = useTranslations("training");
  const course = useCourseText();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [storeId, setStoreId] = useState("");
  const [courseId, setCourseId] = useState("");
  const [trainedOn, setTrainedOn] = useState(fleetToday);
  const [trainerKind, setTrainerKind] = useState<TrainerKind>(role === "merchant" ? "merchant_owner" : "technician");
  const [technicianId, setTechnicianId] = useState(role === "technician" ? viewer.id : "");
  // A name typed for this session; until then the owner's (or nobody's, for an outside trainer).
  const [typedTrainerName, setTrainerName] = useState<string | null>(null);
  const [notes, setNotes] = useState("");
  const [attendees, setAttendees] = useState<Map<string, Attendance>>(new Map());

  const { data: stores } = useQuery({ ...trpc.merchants.storeChoices.queryOptions(), enabled: open });
  const { data: courses } = useQuery({ ...trpc.training.courses.queryOptions(), enabled: open });
  const store = stores?.find((s) => s.id === storeId) ?? (stores?.length === 1 ? stores[0] : undefined);
  const { data: staff } = useQuery({
    ...trpc.training.staff.queryOptions(staffListInput.parse({ storeId: store?.id, courseId: courseId || undefined, status: "active", pageSize: 100 })),
    enabled: open && Boolean(store),
  });
  const { data: trainers } = useQuery({ ...trpc.training.trainers.queryOptions({ merchantId: store?.merchantId ?? "" }), enabled: open && Boolean(store) && role !== "technician" });
  const record = useMutation(trpc.training.recordSession.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.training.pathFilter()) }));

  const ownerName = role === "merchant" ? viewer.name : (trainers?.ownerName ?? "");
  const trainerName = typedTrainerName ?? (trainerKind === "merchant_owner" ? ownerName : "");
  const reset = () => {
    setAttendees(new Map());
    setNotes("");
    setTrainedOn(fleetToday());
    setTrainerName(null);
    record.reset();
  };
  const chooseStore = (id: string) => {
    setStoreId(id);
    setAttendees(new Map());
    // Another merchant: its own technicians and owner.
    setTrainerName(null);
    if (role === "admin") setTechnicianId("");
  };
  const chooseTrainerKind = (kind: TrainerKind) => {
    setTrainerKind(kind);
    setTrainerName(null);
  };
  const toggle = (id: string, on: boolean) =>
    setAttendees((current) => {
      const next = new Map(current);
      if (on) next.set(id, current.get(id) ?? { result: "passed", score: "" });
      else next.delete(id);
      return next;
    });
  const setAttendance = (id: string, patch: Partial<Attendance>) => setAttendees((current) => new Map(current).set(id, { ...current.get(id)!, ...patch }));
  const people = staff?.items ?? [];
  const allChosen = people.length > 0 && people.every((p) => attendees.has(p.id));
  const activeCourses = (courses ?? []).filter((c) => c.active);
  const chosenCourse = activeCourses.find((c) => c.id === courseId);
  // Who is due: the course is required for their role and they hold no pass beyond the next 30 days.
  const needsCourse = (p: (typeof people)[number]) => Boolean(chosenCourse?.requiredFor.includes(p.role)) && p.courseState !== "current";

  const submit = () =>
    record.mutateAsync({
      courseId,
      trainedOn,
      notes,
      trainer: trainerKind === "technician" ? { kind: "technician", technicianId } : { kind: trainerKind, name: trainerName },
      attendees: [...attendees].map(([staffId, a]) => ({ staffId, result: a.result, score: a.score === "" ? null : Number(a.score) })),
    });

  return (
    <FormDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) reset();
      }}
      trigger={
        <Button>
          <GraduationCapIcon /> {t("recordSession")}
        </Button>
      }
      className="max-h-[92vh] overflow-y-auto sm:max-w-2xl"
      title={t("session.title")}
      description={t("session.description")}
      submitLabel={t("session.submit", { count: attendees.size })}
      submitDisabled={attendees.size === 0}
      error={record.error}
      pending={record.isPending}
      onSubmit={submit}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="grid gap-1.5">
          <Label htmlFor="session-store">{t("session.store")}</Label>
          <Select id="session-store" value={store?.id ?? ""} onChange={(e) => chooseStore(e.target.value)}>
            <option value="">{t("session.chooseStore")}</option>
            {(stores ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} · {s.merchantName}
              </option>
            ))}
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="session-course">{t("session.course")}</Label>
          <Select id="session-course" value={courseId} onChange={(e) => setCourseId(e.target.value)} {...invalidProps(record.error, "courseId")}>
            <option value="">{t("session.chooseCourse")}</option>
            {activeCourses.map((c) => (
              <option key={c.id} value={c.id}>
                {course.title(c)}
              </option>
            ))}
          </Select>
          <FieldError error={record.error} field="courseId" />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="session-date">{t("session.date")}</Label>
          <Input id="session-date" type="date" value={trainedOn} max={fleetToday()} onChange={(e) => setTrainedOn(e.target.value)} {...invalidProps(record.error, "trainedOn")} />
          <FieldError error={record.error} field="trainedOn" />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="session-trainer-kind">{t("session.trainerKind")}</Label>
          {role === "technician" ? (
            <Input id="session-trainer-kind" readOnly value={t("session.you", { name: viewer.name })} {...invalidProps(record.error, "trainer")} />
          ) : (
            <Select id="session-trainer-kind" value={trainerKind} onChange={(e) => chooseTrainerKind(e.target.value as TrainerKind)}>
              {trainerKinds.map((k) => (
                <option key={k} value={k}>
                  {t(`trainerKinds.${k}`)}
                </option>
              ))}
            </Select>
          )}
        </div>
        {role !== "technician" && trainerKind === "technician" && (
          <div className="grid gap-1.5">
            <Label htmlFor="session-technician">{t("session.technician")}</Label>
            {/* The form refuses a missing technician under trainer.technicianId; the server one not of this merchant under technicianId. */}
            <Select id="session-technician" value={technicianId} onChange={(e) => setTechnicianId(e.target.value)} {...invalidProps(record.error, ["trainer.technicianId", "technicianId"], "trainer")}>
              <option value="">{t("session.chooseTechnician")}</option>
              {(trainers?.technicians ?? []).map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </Select>
          </div>
        )}
        {role !== "technician" && trainerKind !== "technician" && (
          <div className="grid gap-1.5">
            <Label htmlFor="session-trainer-name">{t("session.trainerName")}</Label>
            <Input id="session-trainer-name" value={trainerName} onChange={(e) => setTrainerName(e.target.value)} autoComplete="off" {...invalidProps(record.error, "trainer.name", "trainer")} />
          </div>
        )}
      </div>
      <FieldError error={record.error} field={["trainer", "technicianId"]} />

      <fieldset className="grid gap-2" {...invalidProps(record.error, "attendees")}>
        <legend className="mb-1 flex w-full items-center justify-between text-sm font-medium">
          {t("session.attendees")}
          {people.length > 0 && (
            <span className="flex flex-wrap items-center gap-3 font-normal">
              {chosenCourse && (
                <Button type="button" size="sm" variant="ghost" onClick={() => people.forEach((p) => toggle(p.id, needsCourse(p)))}>
                  {t("session.selectDue")}
                </Button>
              )}
              <label className="flex items-center gap-2">
                <input type="checkbox" className="size-4" checked={allChosen} onChange={(e) => people.forEach((p) => toggle(p.id, e.target.checked))} />
                {t("session.selectAll")}
              </label>
            </span>
          )}
        </legend>
        {!store ? (
          <p className="text-sm text-muted-foreground">{t("session.chooseStoreFirst")}</p>
        ) : staff && people.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("session.noStaff")}</p>
        ) : (
          <ul className="divide-y rounded-md border" data-testid="session-attendees">
            {people.map((p) => {
              const attendance = attendees.get(p.id);
              return (
                <li key={p.id} className="flex flex-wrap items-center gap-x-3 gap-y-2 px-3 py-2">
                  <label className="flex min-w-40 flex-1 items-center gap-2 text-sm">
                    <input type="checkbox" className="size-4" checked={Boolean(attendance)} onChange={(e) => toggle(p.id, e.target.checked)} />
                    <span className="font-medium">{p.name}</span>
                    <span className="text-xs text-muted-foreground">{t(`roles.${p.role}`)}</span>
                    {p.courseState && <TrainingStateBadge state={p.courseState} />}
                  </label>
                  {attendance && (
                    <div className="flex items-center gap-2">
                      <Select
                        aria-label={t("session.result", { name: p.name })}
                        value={attendance.result}
                        onChange={(e) => setAttendance(p.id, { result: e.target.value as TrainingResult })}
                        className="h-8 w-28"
                      >
                        {trainingResults.map((r) => (
                          <option key={r} value={r}>
                            {t(`results.${r}`)}
                          </option>
                        ))}
                      </Select>
                      <Input
                        aria-label={t("session.scoreFor", { name: p.name })}
                        type="number"
                        min={0}
                        max={100}
                        inputMode="numeric"
                        placeholder="0–100"
                        value={attendance.score}
                        onChange={(e) => setAttendance(p.id, { score: e.target.value })}
                        className="h-8 w-24"
                        {...invalidProps(record.error, `attendees.${[...attendees.keys()].indexOf(p.id)}.score`, "attendees")}
                      />
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {staff && staff.total > people.length && <p className="text-xs text-muted-foreground">{t("session.firstOnly", { shown: people.length, total: staff.total })}</p>}
        <FieldError error={record.error} field="attendees" />
      </fieldset>

      <div className="grid gap-1.5">
        <Label htmlFor="session-notes">{t("session.notes")}</Label>
        <Textarea id="session-notes" rows={2} maxLength={2000} value={notes} onChange={(e) => setNotes(e.target.value)} {...invalidProps(record.error, "notes")} />
        <FieldError error={record.error} field="notes" />
      </div>
    </FormDialog>
  );
}
